using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Coordinator.Testing.Nodes;

/// <summary>
/// A real <c>Coordinator.Node</c> process (the built host, run with <c>dotnet</c>) configured through environment
/// variables, on free loopback ports; stopped by PID.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private NodeProcess(string name, TestProcess process, int httpPort, int httpsPort, int siloPort, int gatewayPort, IReadOnlyDictionary<string, string> environment)
    {
        Name = name;
        Process = process;
        HttpPort = httpPort;
        HttpsPort = httpsPort;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        Environment = environment;
    }

    public string Name { get; }

    public TestProcess Process { get; }

    public int HttpPort { get; }

    public int HttpsPort { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    /// <summary>The configuration it was started with (to restart it identically).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>The built node assembly for the configuration the tests were built in.</summary>
    public static string NodeAssembly
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            return InfraPaths.Require(Path.Combine(InfraPaths.RepositoryRoot, "hosts", "Coordinator.Node", "bin", configuration, "net10.0", "Coordinator.Node.dll"),
                $"the built Coordinator.Node ({configuration})");
        }
    }

    /// <summary>Starts a node with the given ports and extra configuration (keys like <c>Coordinator__Domains__0</c>) and waits for <c>/healthz</c>.</summary>
    public static async Task<NodeProcess> StartAsync(string name, int httpPort, int httpsPort, int siloPort, int gatewayPort, int primarySiloPort,
        IReadOnlyDictionary<string, string> configuration, TimeSpan? timeout = null)
    {
        var env = new Dictionary<string, string>(configuration)
        {
            ["Coordinator__Node__Name"] = name,
            ["Coordinator__Node__ListenAddress"] = "127.0.0.1",
            ["Coordinator__Node__HttpPort"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Coordinator__Node__HttpsPort"] = httpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Coordinator__Cluster__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Coordinator__Cluster__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Coordinator__Cluster__PrimarySiloPort"] = primarySiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Coordinator__HttpsPort"] = httpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DOTNET_NOLOGO"] = "1",
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        };
        var dotnet = InfraPaths.RequireExecutable("dotnet", "the .NET 10 SDK");
        var p = TestProcess.Start(name, dotnet, [NodeAssembly], env, Path.GetDirectoryName(NodeAssembly));
        var node = new NodeProcess(name, p, httpPort, httpsPort, siloPort, gatewayPort, env);
        await node.WaitHealthyAsync(timeout ?? TimeSpan.FromSeconds(120));
        return node;
    }

    /// <summary>
    /// The node configuration (environment keys) for encrypted storage in <paramref name="bucket"/> of a test S3 server:
    /// the part every multi-node test, benchmark and the demo share. Add the key ring and the rest to a copy.
    /// </summary>
    public static Dictionary<string, string> S3StorageEnvironment(S3Server s3, string bucket)
    {
        ArgumentNullException.ThrowIfNull(s3);
        return new Dictionary<string, string>
        {
            ["Coordinator__Storage__Kind"] = "S3",
            ["Coordinator__Storage__S3__ServiceUrl"] = s3.Endpoint.ToString(),
            ["Coordinator__Storage__S3__BucketName"] = bucket,
            ["Coordinator__Storage__S3__AccessKey"] = s3.AccessKey,
            ["Coordinator__Storage__S3__SecretKey"] = s3.SecretKey,
            ["Coordinator__Storage__S3__ForcePathStyle"] = "true",
        };
    }

    /// <summary>Starts the same node again (same ports and configuration).</summary>
    public Task<NodeProcess> RestartAsync(int primarySiloPort) =>
        StartAsync(Name, HttpPort, HttpsPort, SiloPort, GatewayPort, primarySiloPort, Environment);

    /// <summary>Waits until <c>/healthz</c> answers 200.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            Process.ThrowIfExited();
            try
            {
                using var r = await http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}/healthz"));
                last = $"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}";
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException)
            {
                last = "timeout";
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{Name} was not healthy within {timeout.TotalSeconds:0}s ({last}).\n{Process.Output}");
    }

    /// <summary>Kills the node (SIGKILL), like a crash.</summary>
    public void Kill() => Process.Kill();

    /// <summary>Handshakes with this node's HTTPS port offering <paramref name="serverName"/> as SNI and the given ALPN protocols; returns the server's chain (leaf first).</summary>
    public Task<ServedCertificate> HandshakeAsync(string serverName, params string[] alpn) => Tls.HandshakeAsync(HttpsPort, serverName, alpn);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

/// <summary>What a server presented in a TLS handshake.</summary>
public sealed record ServedCertificate(X509Certificate2 Leaf, IReadOnlyList<X509Certificate2> Chain, string NegotiatedProtocol)
{
    /// <summary>The DNS names in the leaf's SAN extension.</summary>
    public IReadOnlyList<string> DnsNames => Leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();

    /// <summary>Whether the leaf is an RFC 8737 validation certificate (critical acmeIdentifier extension).</summary>
    public bool IsAcmeValidationCertificate => Leaf.Extensions.Any(e => e.Oid?.Value == "1.3.6.1.5.5.7.1.31");
}

/// <summary>A real TLS client for tests: records what the server presents, trusting nothing (validation is the test's job).</summary>
public static class Tls
{
    public static async Task<ServedCertificate> HandshakeAsync(int port, string serverName, params string[] alpn)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        await using var ssl = new SslStream(tcp.GetStream(), false);
        X509Certificate2? leaf = null;
        var chain = new List<X509Certificate2>();
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = alpn.Length == 0 ? null : alpn.Select(a => new SslApplicationProtocol(a)).ToList(),
            RemoteCertificateValidationCallback = (_, cert, ch, _) =>
            {
                if (cert is not null)
                {
                    leaf = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                }

                if (ch is not null)
                {
                    // What the server sent besides the leaf (SslStream puts it in ExtraStore), then what the client built.
                    chain.AddRange(ch.ChainPolicy.ExtraStore.Select(c => X509CertificateLoader.LoadCertificate(c.RawData)));
                    chain.AddRange(ch.ChainElements.Select(e => X509CertificateLoader.LoadCertificate(e.Certificate.RawData)));
                }

                return true;
            },
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await ssl.AuthenticateAsClientAsync(options, cts.Token);
        return new ServedCertificate(leaf!, chain, ssl.NegotiatedApplicationProtocol.ToString());
    }
}
