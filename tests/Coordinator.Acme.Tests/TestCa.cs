using Coordinator.Testing;

namespace Coordinator.Acme.Tests;

/// <summary>A real Pebble plus this test process's real HTTP-01 and TLS-ALPN-01 responders on Pebble's validation ports.</summary>
public sealed class TestCa : IAsyncDisposable
{
    private static readonly Lazy<Task<TestCa>> Shared = new(async () =>
        await WithRespondersAsync(await SharedInfrastructure.PebbleAsync(), ownsPebble: false));

    private readonly bool ownsPebble;

    private TestCa(PebbleServer pebble, Http01Responder http, TlsAlpnResponder tls, bool ownsPebble)
    {
        Pebble = pebble;
        Http = http;
        Tls = tls;
        this.ownsPebble = ownsPebble;
    }

    public PebbleServer Pebble { get; }

    public Http01Responder Http { get; }

    public TlsAlpnResponder Tls { get; }

    /// <summary>One HttpClient trusting the test CA, shared by the tests' ACME clients.</summary>
    public static HttpClient HttpClient { get; } = PebbleServer.CreateHttpClient();

    /// <summary>The shared Pebble (default configuration) with responders, for the whole test process.</summary>
    public static Task<TestCa> SharedAsync() => Shared.Value;

    /// <summary>A Pebble of the test's own configuration, with responders; dispose it.</summary>
    public static async Task<TestCa> StartAsync(PebbleOptions options) =>
        await WithRespondersAsync(await PebbleServer.StartAsync(options), ownsPebble: true);

    public AcmeClient CreateClient(AcmeAccountKey key, AcmeClientOptions? options = null, Microsoft.Extensions.Logging.ILogger<AcmeClient>? logger = null) =>
        new(HttpClient, Pebble.DirectoryUri, key, options: options, logger: logger);

    /// <summary>A fresh, never used DNS name under example.test (so Pebble reuses no authorization across tests).</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)] + ".example.test";

    public Task RunAsync(Func<Task> test) => InfraAssert.WithOutputAsync(test, Pebble.Process, Pebble.Dns.Process);

    public async ValueTask DisposeAsync()
    {
        await Http.DisposeAsync();
        await Tls.DisposeAsync();
        if (ownsPebble)
        {
            await Pebble.DisposeAsync();
        }
    }

    private static async Task<TestCa> WithRespondersAsync(PebbleServer pebble, bool ownsPebble)
    {
        var http = await Http01Responder.StartAsync(pebble.HttpValidationPort);
        var tls = TlsAlpnResponder.Start(pebble.TlsValidationPort);
        return new TestCa(pebble, http, tls, ownsPebble);
    }
}
