using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Coordinator.Testing;

/// <summary>
/// A real Pebble ACME server (Debian package <c>pebble</c>) on free loopback ports, with its own
/// challtestsrv as DNS (every name resolves to 127.0.0.1) and <c>PEBBLE_VA_NOSLEEP=1</c>. Pebble validates
/// HTTP-01 on <see cref="HttpValidationPort"/> and TLS-ALPN-01 on <see cref="TlsValidationPort"/> of 127.0.0.1:
/// the test listens there.
/// </summary>
public sealed class PebbleServer : IAsyncDisposable
{
    private readonly TestProcess process;
    private readonly HttpClient management;

    private PebbleServer(TestProcess process, ChallTestServer dns, int port, int managementPort, int httpPort, int tlsPort, PebbleOptions options)
    {
        this.process = process;
        Dns = dns;
        Options = options;
        DirectoryUri = new Uri($"https://127.0.0.1:{port}/dir");
        ManagementUri = new Uri($"https://127.0.0.1:{managementPort}/");
        HttpValidationPort = httpPort;
        TlsValidationPort = tlsPort;
        management = CreateHttpClient();
    }

    /// <summary>The ACME directory URL.</summary>
    public Uri DirectoryUri { get; }

    /// <summary>Pebble's management API (<c>/roots/0</c>, <c>/intermediates/0</c>, <c>/cert-status-by-serial/</c>).</summary>
    public Uri ManagementUri { get; }

    /// <summary>The port on 127.0.0.1 where Pebble connects to validate HTTP-01.</summary>
    public int HttpValidationPort { get; }

    /// <summary>The port on 127.0.0.1 where Pebble connects to validate TLS-ALPN-01.</summary>
    public int TlsValidationPort { get; }

    /// <summary>Pebble's DNS server, for DNS-01 TXT records.</summary>
    public ChallTestServer Dns { get; }

    /// <summary>The configuration this Pebble runs with.</summary>
    public PebbleOptions Options { get; }

    /// <summary>The Pebble process, for its output.</summary>
    public TestProcess Process => process;

    /// <summary>Both processes' recent output, for failure messages.</summary>
    public string Output => process.Output + Dns.Process.Output;

    /// <summary>Starts challtestsrv and Pebble and waits until <c>GET /dir</c> answers over TLS.</summary>
    public static async Task<PebbleServer> StartAsync(PebbleOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PebbleOptions();
        var exe = InfraPaths.RequireExecutable("pebble", "apt-get install -y pebble");
        InfraPaths.Require(InfraPaths.PebbleCertificatePath, "Pebble's TLS certificate");
        var dns = await ChallTestServer.StartAsync(cancellationToken);
        var port = FreePort.Next();
        var mgmt = FreePort.Next();
        var httpPort = options.HttpValidationPort ?? FreePort.Next();
        var tlsPort = options.TlsValidationPort ?? FreePort.Next();

        var config = new Dictionary<string, object?>
        {
            ["listenAddress"] = $"127.0.0.1:{port}",
            ["managementListenAddress"] = $"127.0.0.1:{mgmt}",
            ["certificate"] = InfraPaths.PebbleCertificatePath,
            ["privateKey"] = InfraPaths.PebbleKeyPath,
            ["httpPort"] = httpPort,
            ["tlsPort"] = tlsPort,
            ["ocspResponderURL"] = "",
            ["externalAccountBindingRequired"] = options.ExternalAccountBindingRequired,
            ["externalAccountMACKeys"] = options.ExternalAccountMacKeys,
            ["domainBlocklist"] = options.DomainBlocklist,
        };
        if (options.CertificateValidityPeriodSeconds is { } validity)
        {
            config["certificateValidityPeriod"] = validity;
        }

        Directory.CreateDirectory(InfraPaths.WorkDirectory);
        var configPath = Path.Combine(InfraPaths.WorkDirectory, $"pebble-{port}.json");
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(new { pebble = config }), cancellationToken);

        var env = new Dictionary<string, string> { ["PEBBLE_VA_NOSLEEP"] = "1" };
        if (options.NonceRejectPercent is { } reject)
        {
            env["PEBBLE_WFE_NONCEREJECT"] = reject.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (options.AuthorizationReusePercent is { } reuse)
        {
            env["PEBBLE_AUTHZREUSE"] = reuse.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (options.ValidationAlwaysSucceeds)
        {
            env["PEBBLE_VA_ALWAYS_VALID"] = "1";
        }

        foreach (var (k, v) in options.Environment)
        {
            env[k] = v;
        }

        var p = TestProcess.Start("pebble", exe,
            ["-config", configPath, "-dnsserver", $"127.0.0.1:{dns.DnsPort}", "-strict=false"], env);
        var server = new PebbleServer(p, dns, port, mgmt, httpPort, tlsPort, options);
        try
        {
            await server.WaitForDirectoryAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The test CA that signed Pebble's endpoint certificate.</summary>
    public static X509Certificate2 LoadTestCa() =>
        X509CertificateLoader.LoadCertificateFromFile(InfraPaths.Require(InfraPaths.CaCertificatePath, "the test CA"));

    /// <summary>An HTTP handler that trusts (only) the generated test CA for Pebble's TLS endpoint.</summary>
    public static SocketsHttpHandler CreateHttpHandler()
    {
        var ca = LoadTestCa();
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }

                    if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        };
    }

    /// <summary>An <see cref="HttpClient"/> over <see cref="CreateHttpHandler"/>.</summary>
    public static HttpClient CreateHttpClient() => new(CreateHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Pebble's current issuing root (regenerated at every Pebble start), PEM.</summary>
    public Task<string> GetIssuingRootPemAsync(CancellationToken cancellationToken = default) =>
        management.GetStringAsync(new Uri(ManagementUri, "roots/0"), cancellationToken);

    /// <summary>Pebble's current issuing root certificate.</summary>
    public async Task<X509Certificate2> GetIssuingRootAsync(CancellationToken cancellationToken = default) =>
        X509Certificate2.CreateFromPem(await GetIssuingRootPemAsync(cancellationToken));

    /// <summary>Pebble's current intermediate, PEM.</summary>
    public Task<string> GetIntermediatePemAsync(CancellationToken cancellationToken = default) =>
        management.GetStringAsync(new Uri(ManagementUri, "intermediates/0"), cancellationToken);

    /// <summary>Pebble's status document for a certificate (<c>Status</c>, <c>Reason</c>, ...), by serial in hex.</summary>
    public async Task<JsonDocument> GetCertificateStatusAsync(string serialHex, CancellationToken cancellationToken = default)
    {
        var json = await management.GetStringAsync(new Uri(ManagementUri, $"cert-status-by-serial/{serialHex.ToLowerInvariant()}"), cancellationToken);
        return JsonDocument.Parse(json);
    }

    /// <summary>Verifies that <paramref name="leaf"/> chains to this Pebble's issuing root through <paramref name="extra"/>.</summary>
    public async Task<bool> VerifiesAsync(X509Certificate2 leaf, IEnumerable<X509Certificate2> extra, CancellationToken cancellationToken = default)
    {
        using var root = await GetIssuingRootAsync(cancellationToken);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        foreach (var c in extra)
        {
            chain.ChainPolicy.ExtraStore.Add(c);
        }

        return chain.Build(leaf);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        management.Dispose();
        await process.DisposeAsync();
        await Dns.DisposeAsync();
    }

    private async Task WaitForDirectoryAsync(CancellationToken cancellationToken)
    {
        // Pebble prints "Listening" even when it then dies on a bad certificate: probe GET /dir.
        using var http = CreateHttpClient();
        http.Timeout = TimeSpan.FromSeconds(5);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            process.ThrowIfExited();
            try
            {
                using var response = await http.GetAsync(DirectoryUri, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException e)
            {
                last = e;
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"Pebble's directory {DirectoryUri} did not answer within 30s ({last?.Message}).\n{Output}");
    }
}
