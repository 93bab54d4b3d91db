using System.Net.Http.Json;

namespace Coordinator.Testing;

/// <summary>
/// A real <c>pebble-challtestsrv</c> used as Pebble's DNS server: every A query answers 127.0.0.1, no AAAA,
/// and DNS-01 TXT records are set through its management API. Its own challenge responders are off.
/// </summary>
public sealed class ChallTestServer : IAsyncDisposable
{
    private readonly TestProcess process;
    private readonly HttpClient http = new();

    private ChallTestServer(TestProcess process, int dnsPort, int managementPort)
    {
        this.process = process;
        DnsPort = dnsPort;
        ManagementUri = new Uri($"http://127.0.0.1:{managementPort}/");
    }

    /// <summary>The UDP/TCP port of the DNS server on 127.0.0.1.</summary>
    public int DnsPort { get; }

    /// <summary>The management API (<c>/set-txt</c>, <c>/clear-txt</c>, ...).</summary>
    public Uri ManagementUri { get; }

    /// <summary>The process, for its output.</summary>
    public TestProcess Process => process;

    /// <summary>Starts challtestsrv on free ports and waits until its management API answers.</summary>
    public static async Task<ChallTestServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var exe = InfraPaths.RequireExecutable("pebble-challtestsrv", "apt-get install -y pebble");
        var dns = FreePort.Next();
        var mgmt = FreePort.Next();
        var p = TestProcess.Start("challtestsrv", exe,
        [
            "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
            "-dns01", $"127.0.0.1:{dns}", "-management", $"127.0.0.1:{mgmt}",
            "-http01", "", "-https01", "", "-tlsalpn01", "",
        ]);
        var server = new ChallTestServer(p, dns, mgmt);
        try
        {
            await FreePort.WaitForListenerAsync(mgmt, p, TimeSpan.FromSeconds(20));
            await FreePort.WaitForListenerAsync(dns, p, TimeSpan.FromSeconds(20));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Publishes a DNS-01 TXT record. <paramref name="host"/> is the full name, e.g. <c>_acme-challenge.example.test</c>.</summary>
    public Task SetTxtAsync(string host, string value, CancellationToken cancellationToken = default) =>
        PostAsync("set-txt", new { host = Fqdn(host), value }, cancellationToken);

    /// <summary>Removes the DNS-01 TXT records of <paramref name="host"/>.</summary>
    public Task ClearTxtAsync(string host, CancellationToken cancellationToken = default) =>
        PostAsync("clear-txt", new { host = Fqdn(host) }, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await process.DisposeAsync();
    }

    // challtestsrv answers 200 for a host without the trailing dot and then never resolves it.
    private static string Fqdn(string host) => host.EndsWith('.') ? host : host + ".";

    private async Task PostAsync(string path, object body, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(new Uri(ManagementUri, path), body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"challtestsrv {path} answered {(int)response.StatusCode}.\n{process.Output}");
        }
    }
}
