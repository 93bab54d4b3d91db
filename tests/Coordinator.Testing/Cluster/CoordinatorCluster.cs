using System.Text.Json;
using Coordinator;
using Coordinator.Grains;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Coordinator.Testing.Cluster;

/// <summary>
/// A real Orleans TestCluster whose grains persist through the encrypted S3 provider on the real fauxqs
/// server and order from a real Pebble behind <see cref="AcmeWireCounter"/>; HTTP-01 is answered by a real
/// Kestrel listener through a cluster client.
/// </summary>
public sealed class CoordinatorCluster : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> owned = [];

    public required TestCluster Cluster { get; init; }

    public required PebbleServer Pebble { get; init; }

    public required AcmeWireCounter Wire { get; init; }

    public required Http01Responder Responder { get; init; }

    public required S3Server S3 { get; init; }

    public required string Bucket { get; init; }

    /// <summary>The storage master key (base64) the silos seal with: tests check it never leaks.</summary>
    public required string StorageKeyBase64 { get; init; }

    public IGrainFactory Grains => Cluster.Client;

    public IGrainFactory SiloGrains(int i) => ((InProcessSiloHandle)Cluster.Silos[i]).SiloHost.Services.GetRequiredService<IGrainFactory>();

    public CertificateRecorder Recorder(SiloHandle silo) => ((InProcessSiloHandle)silo).SiloHost.Services.GetRequiredService<CertificateRecorder>();

    public string Output => Pebble.Output + S3.Output;

    /// <param name="silos">Silo count.</param>
    /// <param name="pebbleOptions">This cluster's own Pebble.</param>
    /// <param name="extraIssuers">Issuers tried before the Pebble behind the wire counter (directory URL, EAB).</param>
    /// <param name="initialBackoff">The first retry delay after a failure.</param>
    /// <param name="dnsSolver">Whether the silos get a DNS-01 solver (challtestsrv).</param>
    public static async Task<CoordinatorCluster> StartAsync(int silos = 3, PebbleOptions? pebbleOptions = null, IReadOnlyList<(string Name, Uri Directory)>? extraIssuers = null, TimeSpan? initialBackoff = null, bool dnsSolver = true)
    {
        var pebble = await PebbleServer.StartAsync(pebbleOptions);
        var wire = await AcmeWireCounter.StartAsync(pebble);
        var s3 = await SharedInfrastructure.S3Async();
        var bucket = await s3.CreateBucketAsync("grains");
        var issuers = (extraIssuers ?? []).Select(i => new[] { i.Name, i.Directory.ToString() }).Append(["pebble", wire.DirectoryUri.ToString()]).ToArray();
        var builder = new TestClusterBuilder((short)silos);
        builder.Options.ClusterId = $"grains-{Guid.NewGuid():N}";
        builder.Properties["S3Url"] = s3.Endpoint.ToString();
        builder.Properties["S3Access"] = s3.AccessKey;
        builder.Properties["S3Secret"] = s3.SecretKey;
        builder.Properties["Bucket"] = bucket;
        var storageKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        builder.Properties["Key"] = storageKey;
        builder.Properties["Issuers"] = JsonSerializer.Serialize(issuers);
        builder.Properties["Ca"] = InfraPaths.CaCertificatePath;
        builder.Properties["DnsMgmt"] = dnsSolver ? pebble.Dns.ManagementUri.ToString() : string.Empty;
        builder.Properties["Backoff"] = (initialBackoff ?? TimeSpan.FromSeconds(2)).TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        Http01Responder? responder = null;
        responder = await Http01Responder.StartAsync(pebble.HttpValidationPort, () => cluster.Client);
        return new CoordinatorCluster { Cluster = cluster, Pebble = pebble, Wire = wire, Responder = responder, S3 = s3, Bucket = bucket, StorageKeyBase64 = storageKey };
    }

    public async ValueTask DisposeAsync()
    {
        await Responder.DisposeAsync();
        try
        {
            await Cluster.StopAllSilosAsync();
        }
        catch (Exception)
        {
            // a killed silo may not stop cleanly
        }

        await Cluster.DisposeAsync();
        await Wire.DisposeAsync();
        await Pebble.DisposeAsync();
        foreach (var o in owned)
        {
            await o.DisposeAsync();
        }
    }

    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var c = siloBuilder.Configuration;
            siloBuilder.AddEncryptedS3GrainStorage(CoordinatorStorage.Name, o =>
            {
                o.ServiceUrl = c["S3Url"];
                o.BucketName = c["Bucket"];
                o.AccessKey = c["S3Access"];
                o.SecretKey = c["S3Secret"];
                o.ForcePathStyle = true;
                o.KeyRing.Keys["k1"] = c["Key"]!;
                o.KeyRing.PrimaryKeyId = "k1";
            });
            var issuers = JsonSerializer.Deserialize<string[][]>(c["Issuers"]!)!;
            siloBuilder.AddCoordinatorGrains(o =>
            {
                foreach (var i in issuers)
                {
                    var issuer = new IssuerOptions { Name = i[0], DirectoryUrl = new Uri(i[1]), TrustedCaCertificatePath = c["Ca"] };
                    issuer.Challenges.Add("http-01");
                    o.Issuers.Add(issuer);
                }

                o.Renewal.MaintenanceInterval = TimeSpan.FromSeconds(1);
                o.Renewal.InitialBackoff = TimeSpan.FromMilliseconds(double.Parse(c["Backoff"]!, System.Globalization.CultureInfo.InvariantCulture));
                o.Renewal.MaxBackoff = TimeSpan.FromMinutes(1);
                o.Renewal.FailuresBeforeNextIssuer = 1;
            });
            if (!string.IsNullOrEmpty(c["DnsMgmt"]))
            {
                siloBuilder.Services.AddSingleton<IDns01Solver>(new ChallTestSrvSolver(new Uri(c["DnsMgmt"]!)));
            }

            siloBuilder.Services.AddSingleton<CertificateRecorder>();
            siloBuilder.Services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<CertificateRecorder>());
        }
    }
}

/// <summary>DNS-01 through the real challtestsrv management API (Pebble's DNS server in tests).</summary>
public sealed class ChallTestSrvSolver(Uri management) : IDns01Solver
{
    private static readonly HttpClient Http = new();

    public async Task PresentAsync(string recordName, string value, CancellationToken cancellationToken)
    {
        using var r = await Http.PostAsync(new Uri(management, "set-txt"), JsonContent(new { host = recordName.TrimEnd('.') + ".", value }), cancellationToken);
        r.EnsureSuccessStatusCode();
    }

    public async Task CleanupAsync(string recordName, string value, CancellationToken cancellationToken)
    {
        using var r = await Http.PostAsync(new Uri(management, "clear-txt"), JsonContent(new { host = recordName.TrimEnd('.') + "." }), cancellationToken);
        r.EnsureSuccessStatusCode();
    }

    private static StringContent JsonContent(object o) => new(JsonSerializer.Serialize(o), System.Text.Encoding.UTF8, "application/json");
}
