using System.Globalization;
using Coordinator.Testing;

namespace Coordinator.Demo;

/// <summary>
/// A real HAProxy in TCP mode: HTTPS is passed through untouched (it never sees a key; it only waits for the
/// ClientHello, as SNI passthrough does), plain HTTP is spread round-robin.
/// </summary>
internal sealed class HaProxy : IAsyncDisposable
{
    private readonly TestProcess process;

    private HaProxy(TestProcess process) => this.process = process;

    public static async Task<HaProxy> StartAsync(int httpPort, int httpsPort, IReadOnlyList<(int Http, int Https)> nodes, string directory)
    {
        var exe = InfraPaths.RequireExecutable("haproxy", "apt-get install -y haproxy");
        var servers = (Func<bool, string>)(https => string.Join('\n', nodes.Select((n, i) =>
            string.Create(CultureInfo.InvariantCulture, $"    server node-{(char)('a' + i)} 127.0.0.1:{(https ? n.Https : n.Http)} check"))));
        var config = $"""
            global
                maxconn 2000
            defaults
                mode tcp
                timeout connect 5s
                timeout client 60s
                timeout server 60s
            frontend https_in
                bind 127.0.0.1:{httpsPort}
                tcp-request inspect-delay 5s
                tcp-request content accept if {"{"} req_ssl_hello_type 1 {"}"}
                default_backend nodes_https
            backend nodes_https
                balance roundrobin
            {servers(true)}
            frontend http_in
                bind 127.0.0.1:{httpPort}
                default_backend nodes_http
            backend nodes_http
                balance roundrobin
            {servers(false)}
            """;
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(path, config + "\n");
        var p = TestProcess.Start("haproxy", exe, ["-f", path, "-db"]);
        await FreePort.WaitForListenerAsync(httpsPort, p, TimeSpan.FromSeconds(20));
        return new HaProxy(p);
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
