using System.Net;
using System.Net.Sockets;

namespace Coordinator.Testing;

/// <summary>Free TCP/UDP ports on 127.0.0.1.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Handed = [];

    /// <summary>
    /// A port that is free for TCP (and UDP, for DNS servers) right now and not handed out before by this process.
    /// Ports come from 20000–32767, below Linux's ephemeral range (32768–60999), so the port cannot be taken by an
    /// outgoing connection between this check and the server's bind (seen with port 0, which picks ephemeral ports).
    /// </summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var port = Random.Shared.Next(20000, 32768);
            lock (Handed)
            {
                if (Handed.Contains(port))
                {
                    continue;
                }
            }

            try
            {
                using (var tcp = new TcpListener(IPAddress.Loopback, port))
                {
                    tcp.Start();
                }

                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
            }
            catch (SocketException)
            {
                continue;
            }

            lock (Handed)
            {
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("no free loopback port found in 20000-32767");
    }

    /// <summary>Waits until something accepts TCP connections on the port.</summary>
    public static async Task WaitForListenerAsync(int port, TestProcess process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            process.ThrowIfExited();
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"{process.Name} did not listen on 127.0.0.1:{port} within {timeout.TotalSeconds:0}s.\n{process.Output}");
    }
}
