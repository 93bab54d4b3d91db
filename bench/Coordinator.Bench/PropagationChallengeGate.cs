using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Coordinator.Bench;

/// <summary>
/// The loopback port Pebble validates HTTP-01 on, in front of a node's HTTP port. Forwards every connection; while
/// held (<see cref="Hold"/>), it reads the CA's validation request (so the bench learns the challenge's token and
/// host, as a CA would send them) and keeps the connection, and so the challenge, open until <see cref="Release"/>.
/// A network path double (no installable server offers this), used only by <c>bench propagation</c>.
/// </summary>
internal sealed class PropagationChallengeGate : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly int target;
    private readonly CancellationTokenSource stop = new();
    private TaskCompletionSource release = CompletedSource();
    private TaskCompletionSource<(string Host, string Path)> captured = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PropagationChallengeGate(int listenPort, int targetPort)
    {
        target = targetPort;
        listener = new TcpListener(IPAddress.Loopback, listenPort);
        listener.Start();
        _ = AcceptLoopAsync();
    }

    /// <summary>The first validation request (Host header and path) seen since the last <see cref="Hold"/>.</summary>
    public Task<(string Host, string Path)> Captured => captured.Task;

    /// <summary>From now on, hold validation connections after reading their request.</summary>
    public void Hold()
    {
        release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        captured = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Lets held and future connections through.</summary>
    public void Release() => release.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        await stop.CancelAsync();
        listener.Stop();
        stop.Dispose();
    }

    private static TaskCompletionSource CompletedSource()
    {
        var s = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        s.SetResult();
        return s;
    }

    private async Task AcceptLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                _ = ForwardAsync(client);
            }
            catch (Exception)
            {
                return;
            }
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var gate = release;
                var stream = client.GetStream();
                var head = new MemoryStream();
                var buffer = new byte[4096];
                while (head.Length < 16 * 1024 && !EndsHead(head))
                {
                    var n = await stream.ReadAsync(buffer, stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    head.Write(buffer, 0, n);
                }

                var text = Encoding.ASCII.GetString(head.GetBuffer(), 0, (int)head.Length);
                var lines = text.Split("\r\n");
                var path = lines[0].Split(' ') is { Length: >= 2 } parts ? parts[1] : string.Empty;
                var host = lines.FirstOrDefault(l => l.StartsWith("Host:", StringComparison.OrdinalIgnoreCase))?[5..].Trim() ?? string.Empty;
                captured.TrySetResult((host, path));
                await gate.Task;

                using var upstream = new TcpClient();
                await upstream.ConnectAsync(IPAddress.Loopback, target);
                var up = upstream.GetStream();
                await up.WriteAsync(head.GetBuffer().AsMemory(0, (int)head.Length));
                var a = stream.CopyToAsync(up);
                var b = up.CopyToAsync(stream);
                await Task.WhenAny(a, b);
            }
            catch (Exception)
            {
                // a network path double: failures just end the connection
            }
        }
    }

    private static bool EndsHead(MemoryStream head)
    {
        var b = head.GetBuffer();
        var n = (int)head.Length;
        return n >= 4 && b.AsSpan(0, n).IndexOf("\r\n\r\n"u8) >= 0;
    }
}
