using System.Net;
using System.Net.Sockets;

namespace Coordinator.Testing.Nodes;

/// <summary>
/// A loopback TCP forwarder that holds every accepted connection until <see cref="Open"/> — used to keep a CA's
/// validation connection (and so the challenge) open while a test looks at the node.
/// </summary>
public sealed class TcpGate : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly int target;
    private readonly CancellationTokenSource stop = new();
    private TaskCompletionSource open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource firstConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TcpGate(int listenPort, int targetPort)
    {
        target = targetPort;
        listener = new TcpListener(IPAddress.Loopback, listenPort);
        listener.Start();
        _ = AcceptLoopAsync();
    }

    /// <summary>Holds new connections again until the next <see cref="Open"/>; <see cref="FirstConnection"/> starts over.</summary>
    public void Close()
    {
        open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        firstConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Completes when the first connection since the last <see cref="Close"/> arrived (and is being held).</summary>
    public Task FirstConnection => firstConnection.Task;

    /// <summary>Lets held and future connections through.</summary>
    public void Open() => open.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Open();
        await stop.CancelAsync();
        listener.Stop();
        stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            firstConnection.TrySetResult();
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        {
            var gate = open;
            await gate.Task;
            using var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, target);
                var a = client.GetStream().CopyToAsync(upstream.GetStream());
                var b = upstream.GetStream().CopyToAsync(client.GetStream());
                await Task.WhenAny(a, b);
            }
            catch (Exception)
            {
                // a test double of a network path: failures just end the connection
            }
        }
    }
}
