using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Coordinator.Testing;
using Coordinator.Testing.Nodes;

namespace Coordinator.Cli.Tests;

/// <summary>
/// Three real Coordinator.Node processes in one cluster (localhost clustering) storing in a real fauxqs bucket and
/// ordering from a real Pebble (HTTP-01 validated on node B's HTTP port) for names under <c>cli.test</c>. The key ring
/// holds two keys, k1 and k2; the nodes start with k1 as the primary. The CLI reaches them through their gateways.
/// </summary>
public sealed class CliCluster : IAsyncLifetime
{
    public const string Zone = "cli.test";

    public PebbleServer Pebble { get; private set; } = null!;

    public S3Server S3 { get; private set; } = null!;

    public string Bucket { get; private set; } = null!;

    public List<NodeProcess> Nodes { get; } = [];

    public string ClusterId { get; } = $"cli-{Guid.NewGuid():N}"[..20];

    public string ServiceId => "coordinator-cli-tests";

    public string Key1 { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Key2 { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string PrimaryKeyId { get; private set; } = "k1";

    public string Output => Pebble.Output + string.Concat(Nodes.Select(n => n.Process.Output));

    /// <summary>
    /// The cluster options every CLI call in these tests passes. The connect timeout is generous: the first connection
    /// after a whole-cluster restart took over 5 s on a loaded 2-core machine.
    /// </summary>
    public string[] ClusterArgs => [.. Nodes.SelectMany(n => new[] { "--gateway", $"127.0.0.1:{n.GatewayPort}" }), "--cluster-id", ClusterId, "--service-id", ServiceId, "--connect-timeout", "30"];

    public async Task InitializeAsync()
    {
        var ports = Enumerable.Range(0, 3).Select(_ => (Http: FreePort.Next(), Https: FreePort.Next(), Silo: FreePort.Next(), Gateway: FreePort.Next())).ToArray();
        Pebble = await PebbleServer.StartAsync(new PebbleOptions { HttpValidationPort = ports[1].Http });
        S3 = await SharedInfrastructure.S3Async();
        Bucket = await S3.CreateBucketAsync("cli");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartNodesAsync(ports);
                return;
            }
            catch (Exception e) when (attempt == 1 && e.ToString().Contains("Address already in use", StringComparison.Ordinal))
            {
                // A free port was taken by another test process between FreePort.Next() and the bind: new node ports.
                foreach (var n in Nodes)
                {
                    await n.DisposeAsync();
                }

                Nodes.Clear();
                await Pebble.DisposeAsync();
                ports = Enumerable.Range(0, 3).Select(_ => (Http: FreePort.Next(), Https: FreePort.Next(), Silo: FreePort.Next(), Gateway: FreePort.Next())).ToArray();
                Pebble = await PebbleServer.StartAsync(new PebbleOptions { HttpValidationPort = ports[1].Http });
            }
        }
    }

    private async Task StartNodesAsync((int Http, int Https, int Silo, int Gateway)[] ports)
    {
        var config = Configuration();
        Nodes.Add(await NodeProcess.StartAsync("node-a", ports[0].Http, ports[0].Https, ports[0].Silo, ports[0].Gateway, ports[0].Silo, config));
        Nodes.AddRange(await Task.WhenAll(Enumerable.Range(1, 2).Select(i =>
            NodeProcess.StartAsync($"node-{(char)('a' + i)}", ports[i].Http, ports[i].Https, ports[i].Silo, ports[i].Gateway, ports[0].Silo, config))));
    }

    /// <summary>Runs the CLI against this cluster.</summary>
    public Task<CliResult> RunAsync(params string[] args) => Cli.RunAsync([.. args, .. ClusterArgs]);

    /// <summary>Adds a name with the CLI and waits (polling <c>status --json</c>) until its certificate is valid; returns the status.</summary>
    public async Task<JsonElement> AddAndWaitValidAsync(string domain, TimeSpan? timeout = null)
    {
        var add = await RunAsync("domains", "add", domain);
        Assert.True(add.ExitCode == 0, add.ToString());
        return await WaitStatusAsync(domain, s => s.GetProperty("state").GetString() == "valid", timeout);
    }

    public async Task<JsonElement> WaitStatusAsync(string domain, Func<JsonElement, bool> until, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var r = await RunAsync("status", domain, "--json");
            if (r.ExitCode == 0 && until(r.Json()))
            {
                return r.Json();
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{domain}: the awaited status did not come.\n{r}\n{Output}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Stops every node and starts them again with <paramref name="primaryKeyId"/> as the key ring's primary (what an operator does to rotate).</summary>
    public async Task RestartWithPrimaryKeyAsync(string primaryKeyId)
    {
        var old = Nodes.ToList();
        foreach (var n in old)
        {
            await n.DisposeAsync();
        }

        Nodes.Clear();
        PrimaryKeyId = primaryKeyId;
        var config = Configuration();
        var primary = old[0].SiloPort;
        Nodes.Add(await NodeProcess.StartAsync(old[0].Name, old[0].HttpPort, old[0].HttpsPort, old[0].SiloPort, old[0].GatewayPort, primary, config));
        Nodes.AddRange(await Task.WhenAll(old.Skip(1).Select(n =>
            NodeProcess.StartAsync(n.Name, n.HttpPort, n.HttpsPort, n.SiloPort, n.GatewayPort, primary, config))));
    }

    private Dictionary<string, string> Configuration() => new(NodeProcess.S3StorageEnvironment(S3, Bucket))
    {
        ["Coordinator__Cluster__ClusterId"] = ClusterId,
        ["Coordinator__Cluster__ServiceId"] = ServiceId,
        ["Coordinator__Storage__KeyRing__PrimaryKeyId"] = PrimaryKeyId,
        ["Coordinator__Storage__KeyRing__Keys__k1"] = Key1,
        ["Coordinator__Storage__KeyRing__Keys__k2"] = Key2,
        ["Coordinator__Renewal__MaintenanceInterval"] = "00:00:01",
        ["Coordinator__Issuers__0__Name"] = "pebble",
        ["Coordinator__Issuers__0__DirectoryUrl"] = Pebble.DirectoryUri.ToString(),
        ["Coordinator__Issuers__0__TrustedCaCertificatePath"] = InfraPaths.CaCertificatePath,
        ["Coordinator__Issuers__0__Challenges__0"] = "http-01",
        ["Coordinator__Issuers__0__ForDomains__0"] = "*." + Zone,
        ["Logging__LogLevel__Default"] = "Information",
        ["Logging__LogLevel__Orleans"] = "Warning",
    };

    public async Task DisposeAsync()
    {
        foreach (var n in Nodes)
        {
            await n.DisposeAsync();
        }

        await Pebble.DisposeAsync();
    }

    public static string Hex(string serial) => serial.TrimStart('0').ToLower(CultureInfo.InvariantCulture);
}
