using Coordinator.Testing;
using Coordinator.Testing.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coordinator.AspNetCore.Tests;

/// <summary>
/// Three real Coordinator.Node processes in one cluster (localhost clustering), storing in a real fauxqs bucket,
/// ordering from a real Pebble behind the wire counter. Pebble validates HTTP-01 on node B's HTTP port and
/// TLS-ALPN-01 on node C's HTTPS port (through a gate the tests can close). Names under <c>http.test</c> use
/// http-01, names under <c>alpn.test</c> use tls-alpn-01; <c>*.ondemand.test</c> may be issued on demand.
/// </summary>
public sealed class NodeCluster : IAsyncLifetime
{
    public static readonly string[] Domains = ["a.http.test", "b.http.test", "a.alpn.test", "b.alpn.test"];

    private IHost? clientHost;

    public PebbleServer Pebble { get; private set; } = null!;

    public AcmeWireCounter Wire { get; private set; } = null!;

    public TcpGate AlpnGate { get; private set; } = null!;

    public S3Server S3 { get; private set; } = null!;

    public string Bucket { get; private set; } = null!;

    public List<NodeProcess> Nodes { get; } = [];

    public IClusterClient Client => clientHost!.Services.GetRequiredService<IClusterClient>();

    public string ClusterId { get; } = $"nodes-{Guid.NewGuid():N}"[..20];

    public int PrimarySiloPort => Nodes[0].SiloPort;

    public string Output => Pebble.Output + string.Concat(Nodes.Select(n => n.Process.Output));

    public async Task InitializeAsync()
    {
        var ports = Enumerable.Range(0, 3).Select(_ => (Http: FreePort.Next(), Https: FreePort.Next(), Silo: FreePort.Next(), Gateway: FreePort.Next())).ToArray();
        var gatePort = FreePort.Next();
        Pebble = await PebbleServer.StartAsync(new PebbleOptions { HttpValidationPort = ports[1].Http, TlsValidationPort = gatePort });
        AlpnGate = new TcpGate(gatePort, ports[2].Https);
        AlpnGate.Open();
        Wire = await AcmeWireCounter.StartAsync(Pebble);
        S3 = await SharedInfrastructure.S3Async();
        Bucket = await S3.CreateBucketAsync("nodes");
        var config = Configuration();
        Nodes.Add(await NodeProcess.StartAsync("node-a", ports[0].Http, ports[0].Https, ports[0].Silo, ports[0].Gateway, ports[0].Silo, config));
        var others = await Task.WhenAll(Enumerable.Range(1, 2).Select(i =>
            NodeProcess.StartAsync($"node-{(char)('a' + i)}", ports[i].Http, ports[i].Https, ports[i].Silo, ports[i].Gateway, ports[0].Silo, config)));
        Nodes.AddRange(others);
        await ConnectClientAsync();

        // Names are added at run time, once every node (and so every challenge port) is up.
        await Client.AddDomainsAsync(Domains);
    }

    public async Task ConnectClientAsync()
    {
        if (clientHost is not null)
        {
            await clientHost.StopAsync();
            clientHost.Dispose();
        }

        clientHost = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .UseOrleansClient(c => c.UseLocalhostClustering(Nodes.Select(n => n.GatewayPort).ToArray(), "coordinator-tests", ClusterId))
            .Build();
        await clientHost.StartAsync();
    }

    public Dictionary<string, string> Configuration()
    {
        var c = new Dictionary<string, string>(NodeProcess.S3StorageEnvironment(S3, Bucket))
        {
            ["Coordinator__Cluster__ClusterId"] = ClusterId,
            ["Coordinator__Cluster__ServiceId"] = "coordinator-tests",
            ["Coordinator__Storage__KeyRing__PrimaryKeyId"] = "k1",
            ["Coordinator__Storage__KeyRing__Keys__k1"] = KeyMaterial,
            ["Coordinator__Renewal__MaintenanceInterval"] = "00:00:01",
            ["Coordinator__OnDemand__AllowedNames__0"] = "*.ondemand.test",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Orleans"] = "Warning",
        };
        var issuers = new[] { ("pebble-http", "http-01", "*.http.test"), ("pebble-alpn", "tls-alpn-01", "*.alpn.test"), ("pebble-ondemand", "http-01", "*.ondemand.test") };
        for (var i = 0; i < issuers.Length; i++)
        {
            c[$"Coordinator__Issuers__{i}__Name"] = issuers[i].Item1;
            c[$"Coordinator__Issuers__{i}__DirectoryUrl"] = Wire.DirectoryUri.ToString();
            c[$"Coordinator__Issuers__{i}__TrustedCaCertificatePath"] = InfraPaths.CaCertificatePath;
            c[$"Coordinator__Issuers__{i}__Challenges__0"] = issuers[i].Item2;
            c[$"Coordinator__Issuers__{i}__ForDomains__0"] = issuers[i].Item3;
        }

        return c;
    }

    private string KeyMaterial { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>Waits until every live node serves <paramref name="domain"/> with a chain that verifies against Pebble's root.</summary>
    public async Task<IReadOnlyList<ServedCertificate>> WaitServedEverywhereAsync(string domain, TimeSpan timeout, string? notSerial = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var served = new List<ServedCertificate>();
            foreach (var node in Nodes.Where(n => !n.Process.HasExited))
            {
                var s = await node.HandshakeAsync(domain, "http/1.1");
                if (s.DnsNames.Contains(domain) && s.Leaf.SerialNumber != notSerial && await Pebble.VerifiesAsync(s.Leaf, s.Chain))
                {
                    served.Add(s);
                }
            }

            if (served.Count == Nodes.Count(n => !n.Process.HasExited))
            {
                return served;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{domain} was served by {served.Count} of {Nodes.Count} nodes after {timeout.TotalSeconds:0}s.\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (clientHost is not null)
        {
            try
            {
                await clientHost.StopAsync();
            }
            catch (Exception)
            {
            }

            clientHost.Dispose();
        }

        foreach (var n in Nodes)
        {
            await n.DisposeAsync();
        }

        await AlpnGate.DisposeAsync();
        await Wire.DisposeAsync();
        await Pebble.DisposeAsync();
    }
}
