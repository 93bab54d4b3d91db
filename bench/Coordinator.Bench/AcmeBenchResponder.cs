using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Coordinator.Bench;

/// <summary>
/// A minimal HTTP/1.1 HTTP-01 responder on 127.0.0.1 for the acme benchmark: answers
/// <c>GET /.well-known/acme-challenge/{token}</c> with the key authorization, 404 otherwise, then closes.
/// </summary>
internal sealed class AcmeBenchResponder : IAsyncDisposable
{
    private const string Prefix = "/.well-known/acme-challenge/";
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public AcmeBenchResponder(int port)
    {
        listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        loop = Task.Run(AcceptAsync);
    }

    public ConcurrentDictionary<string, string> Tokens { get; } = new(StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await loop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[8192];
                var used = 0;
                while (used < buffer.Length)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(used), stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    used += read;
                    if (Encoding.ASCII.GetString(buffer, 0, used).Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        break;
                    }
                }

                var requestLine = Encoding.ASCII.GetString(buffer, 0, used).Split("\r\n")[0].Split(' ');
                var found = requestLine.Length == 3 && requestLine[0] == "GET" && requestLine[1].StartsWith(Prefix, StringComparison.Ordinal)
                    && Tokens.TryGetValue(requestLine[1][Prefix.Length..], out var keyAuthorization)
                    ? keyAuthorization
                    : null;
                var body = Encoding.ASCII.GetBytes(found ?? "not found");
                var head = $"HTTP/1.1 {(found is null ? "404 Not Found" : "200 OK")}\r\nContent-Type: application/octet-stream\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), stop.Token);
                await stream.WriteAsync(body, stop.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
            }
        }
    }
}
