using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Coordinator.Testing;
using Coordinator.Testing.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Coordinator.AspNetCore.Tests;

/// <summary>
/// Multi-host membership as the docker-compose topology uses it: a real <c>redis-server</c> (Debian package) holds
/// Orleans' membership table, and three real Coordinator.Node processes configured with
/// <c>Coordinator:Cluster:Mode=External</c> and <c>Coordinator:Cluster:Redis</c> (no localhost clustering, no primary
/// silo) join through it. Storage is a real fauxqs bucket, the CA a real Pebble that validates HTTP-01 on node B.
/// Every silo advertises 127.0.0.1, so all traffic stays on loopback.
/// </summary>
public sealed class RedisMembershipCluster : IAsyncLifetime
{
    public const int NodeCount = 3;

    public TestProcess Redis { get; private set; } = null!;

    public int RedisPort { get; } = FreePort.Next();

    public PebbleServer Pebble { get; private set; } = null!;

    public List<NodeProcess> Nodes { get; } = [];

    public string ClusterId { get; } = $"redis-{Guid.NewGuid():N}"[..20];

    public string ServiceId { get; } = "coordinator-redis-tests";

    private IHost? clientHost;

    /// <summary>An Orleans client that knows only node A's gateway: whatever it asks is asked "through node A".</summary>
    public IClusterClient ClientThroughNodeA => clientHost!.Services.GetRequiredService<IClusterClient>();

    public string Output => Redis.Output + Pebble.Output + string.Concat(Nodes.Select(n => n.Process.Output));

    public async Task InitializeAsync()
    {
        var redisServer = InfraPaths.RequireExecutable("redis-server", "apt-get install -y redis-server (./build.sh install)");
        Redis = TestProcess.Start("redis-server", redisServer,
            ["--port", RedisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        await FreePort.WaitForListenerAsync(RedisPort, Redis, TimeSpan.FromSeconds(20));

        var ports = Enumerable.Range(0, NodeCount).Select(_ => (Http: FreePort.Next(), Https: FreePort.Next(), Silo: FreePort.Next(), Gateway: FreePort.Next())).ToArray();
        Pebble = await PebbleServer.StartAsync(new PebbleOptions { HttpValidationPort = ports[1].Http });
        var s3 = await SharedInfrastructure.S3Async();
        var bucket = await s3.CreateBucketAsync("redis");
        var config = new Dictionary<string, string>(NodeProcess.S3StorageEnvironment(s3, bucket))
        {
            ["Coordinator__Cluster__Mode"] = "External",
            ["Coordinator__Cluster__Redis"] = $"127.0.0.1:{RedisPort}",
            ["Coordinator__Cluster__AdvertisedAddress"] = "127.0.0.1",
            ["Coordinator__Cluster__ClusterId"] = ClusterId,
            ["Coordinator__Cluster__ServiceId"] = ServiceId,
            ["Coordinator__Storage__KeyRing__PrimaryKeyId"] = "k1",
            ["Coordinator__Storage__KeyRing__Keys__k1"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Coordinator__Renewal__MaintenanceInterval"] = "00:00:01",
            ["Coordinator__Issuers__0__Name"] = "pebble",
            ["Coordinator__Issuers__0__DirectoryUrl"] = Pebble.DirectoryUri.ToString(),
            ["Coordinator__Issuers__0__TrustedCaCertificatePath"] = InfraPaths.CaCertificatePath,
            ["Coordinator__Issuers__0__Challenges__0"] = "http-01",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Orleans"] = "Warning",
        };

        // No primary silo: every node is started at once and finds the others in Redis. (NodeProcess also passes
        // PrimarySiloPort; External mode ignores it.)
        Nodes.AddRange(await Task.WhenAll(Enumerable.Range(0, NodeCount).Select(i =>
            NodeProcess.StartAsync($"redis-node-{(char)('a' + i)}", ports[i].Http, ports[i].Https, ports[i].Silo, ports[i].Gateway, ports[i].Silo, config))));

        clientHost = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .UseOrleansClient(c => c
                .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, Nodes[0].GatewayPort))
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = ClusterId;
                    o.ServiceId = ServiceId;
                }))
            .Build();
        await clientHost.StartAsync();
    }

    /// <summary>Runs <c>redis-cli</c> against this Redis and returns its output lines.</summary>
    public async Task<IReadOnlyList<string>> RedisCliAsync(params string[] arguments)
    {
        var cli = InfraPaths.RequireExecutable("redis-cli", "apt-get install -y redis-server (it brings redis-tools)");
        var psi = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", RedisPort.ToString(CultureInfo.InvariantCulture) }.Concat(arguments))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var stdout = p.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = p.StandardError.ReadToEndAsync(cts.Token);
        await p.WaitForExitAsync(cts.Token);
        Assert.True(p.ExitCode == 0, $"redis-cli {string.Join(' ', arguments)} exited with {p.ExitCode}: {await stderr}");
        return (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
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

        if (Pebble is not null)
        {
            await Pebble.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
    }
}

public sealed class RedisMembershipTests(RedisMembershipCluster cluster) : IClassFixture<RedisMembershipCluster>
{
    [Fact]
    public async Task NodesConfiguredForRedisServeACertificateIssuedThroughAnyOneOfThem()
    {
        const string domain = "one.redis.test";
        await InfraAssert.WithOutputAsync(async () =>
        {
            // Asked through node A's gateway; Pebble validates on node B's HTTP port: B must answer a challenge that
            // a grain somewhere in the cluster holds, and then every node must serve the certificate.
            var status = await cluster.ClientThroughNodeA.GetGrain<IDomainGrain>(domain).EnsureAsync(waitForCertificate: true);
            Assert.Equal(DomainState.Valid, status.State);

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            var serials = new Dictionary<string, string>();
            while (serials.Count < cluster.Nodes.Count && DateTime.UtcNow < deadline)
            {
                foreach (var node in cluster.Nodes.Where(n => !serials.ContainsKey(n.Name)))
                {
                    var served = await node.HandshakeAsync(domain, "http/1.1");
                    if (served.DnsNames.Contains(domain) && await cluster.Pebble.VerifiesAsync(served.Leaf, served.Chain))
                    {
                        serials[node.Name] = served.Leaf.SerialNumber;
                    }
                }

                await Task.Delay(100);
            }

            Assert.Equal(cluster.Nodes.Select(n => n.Name).Order(), serials.Keys.Order());
            Assert.All(serials.Values, s => Assert.Equal(status.SerialNumber, s, ignoreCase: true));
        }, cluster.Pebble.Process, cluster.Redis);
    }

    [Fact]
    public async Task TheMembershipTableIsInRedisWithEveryNodeActive()
    {
        await InfraAssert.WithOutputAsync(async () =>
        {
            var keys = await cluster.RedisCliAsync("--scan");
            var membershipKey = Assert.Single(keys, k => k.Contains(cluster.ClusterId, StringComparison.Ordinal));
            Assert.Contains(cluster.ServiceId, membershipKey, StringComparison.Ordinal);

            // Orleans' Redis table is a hash "<ServiceId>/members/<ClusterId>": a version field plus one JSON entry per silo.
            var active = new List<int>();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                var fields = await cluster.RedisCliAsync("HVALS", membershipKey);
                active = fields.Where(f => f.StartsWith('{'))
                    .Select(f => JsonDocument.Parse(f).RootElement)
                    .Where(e => IsActive(e))
                    .Select(SiloPort)
                    .Order()
                    .ToList();
                if (active.Count >= RedisMembershipCluster.NodeCount || DateTime.UtcNow > deadline)
                {
                    break;
                }

                await Task.Delay(200);
            }

            Assert.Equal(cluster.Nodes.Select(n => n.SiloPort).Order(), active);
        }, cluster.Redis);
    }

    private static bool IsActive(JsonElement entry)
    {
        var status = entry.GetProperty("Status");
        return status.ValueKind == JsonValueKind.Number ? status.GetInt32() == (int)Orleans.Runtime.SiloStatus.Active : status.GetString() == "Active";
    }

    private static int SiloPort(JsonElement entry)
    {
        // {"SiloAddress":{"SiloAddress":"127.0.0.1:11111@155324839"},"Status":3,...}
        var address = entry.GetProperty("SiloAddress").GetProperty("SiloAddress").GetString()!;
        Assert.StartsWith("127.0.0.1:", address, StringComparison.Ordinal);
        return int.Parse(address.Split('@')[0].Split(':')[1], CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// The environment docker-compose.yml gives node-a, taken from the file and run on loopback: only the addresses of
/// other services (Redis, MinIO, Pebble, the collector), the ports, the Pebble CA file and the storage key are
/// replaced. The node must start, join its Redis-backed cluster and serve the names the compose file manages.
/// </summary>
public sealed class ComposeNodeEnvironmentTests : IAsyncLifetime
{
    private TestProcess? redis;
    private PebbleServer? pebble;
    private NodeProcess? node;
    private readonly int redisPort = FreePort.Next();
    private Dictionary<string, string> compose = null!;

    public async Task InitializeAsync()
    {
        var yaml = (Dictionary<string, object?>)SimpleYaml.Parse(File.ReadAllText(Path.Combine(InfraPaths.RepositoryRoot, "docker-compose.yml")))!;
        var services = (Dictionary<string, object?>)yaml["services"]!;
        compose = ((Dictionary<string, object?>)((Dictionary<string, object?>)services["node-a"]!)["environment"]!).ToDictionary(e => e.Key, e => (string)e.Value!);

        redis = TestProcess.Start("redis-server", InfraPaths.RequireExecutable("redis-server", "apt-get install -y redis-server (./build.sh install)"),
            ["--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        await FreePort.WaitForListenerAsync(redisPort, redis, TimeSpan.FromSeconds(20));
        var (http, https, silo, gateway) = (FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next());
        pebble = await PebbleServer.StartAsync(new PebbleOptions { HttpValidationPort = http, TlsValidationPort = https });
        var s3 = await SharedInfrastructure.S3Async();
        var bucket = await s3.CreateBucketAsync("compose");

        var env = new Dictionary<string, string>(compose)
        {
            ["Coordinator__Cluster__Redis"] = $"127.0.0.1:{redisPort}",
            ["Coordinator__Cluster__AdvertisedAddress"] = "127.0.0.1",
            ["Coordinator__Storage__S3__ServiceUrl"] = s3.Endpoint.ToString(),
            ["Coordinator__Storage__S3__BucketName"] = bucket,
            ["Coordinator__Storage__S3__AccessKey"] = s3.AccessKey,
            ["Coordinator__Storage__S3__SecretKey"] = s3.SecretKey,
            ["Coordinator__Storage__KeyRing__Keys__k1"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Coordinator__Issuers__0__DirectoryUrl"] = pebble.DirectoryUri.ToString(),
            ["Coordinator__Issuers__0__TrustedCaCertificatePath"] = InfraPaths.CaCertificatePath,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{FreePort.Next()}", // nothing listens: export failures must not matter
        };
        var replaced = env.Keys.Where(k => compose.TryGetValue(k, out var v) && v != env[k]).ToHashSet();
        Assert.All(compose.Where(c => c.Value.Contains("${", StringComparison.Ordinal)), c => Assert.Contains(c.Key, replaced));

        // Node:Name/ListenAddress/HttpPort/HttpsPort and the silo ports are NodeProcess's (free loopback ports).
        node = await NodeProcess.StartAsync("compose-node-a", http, https, silo, gateway, silo, env);
    }

    [Fact]
    public async Task TheComposeNodeEnvironmentStartsANodeThatServesTheComposeDomains()
    {
        await InfraAssert.WithOutputAsync(async () =>
        {
            Assert.Equal("External", compose["Coordinator__Cluster__Mode"]);
            var domains = compose.Where(c => c.Key.StartsWith("Coordinator__Domains__", StringComparison.Ordinal)).Select(c => c.Value).ToList();
            Assert.NotEmpty(domains);
            foreach (var domain in domains)
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while (true)
                {
                    var served = await node!.HandshakeAsync(domain, "http/1.1");
                    if (served.DnsNames.Contains(domain) && await pebble!.VerifiesAsync(served.Leaf, served.Chain))
                    {
                        break;
                    }

                    Assert.True(DateTime.UtcNow < deadline, $"{domain} was not served with a chain from Pebble within 60 s");
                    await Task.Delay(200);
                }
            }
        }, pebble!.Process, redis!);
    }

    public async Task DisposeAsync()
    {
        if (node is not null)
        {
            await node.DisposeAsync();
        }

        if (pebble is not null)
        {
            await pebble.DisposeAsync();
        }

        if (redis is not null)
        {
            await redis.DisposeAsync();
        }
    }
}
