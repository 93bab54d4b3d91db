using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Coordinator.Acme.Tests;

/// <summary>
/// A TcpListener + SslStream on 127.0.0.1:<c>port</c> that presents the TLS-ALPN-01 validation certificate for
/// the SNI name and negotiates only <c>acme-tls/1</c> (a client not offering it fails the handshake). Records
/// (SNI, negotiated protocol) of every completed handshake.
/// </summary>
public sealed class TlsAlpnResponder : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<string, X509Certificate2> certificates = new(StringComparer.OrdinalIgnoreCase);
    private readonly Task loop;

    private TlsAlpnResponder(int port)
    {
        listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        loop = AcceptLoopAsync();
    }

    public ConcurrentQueue<(string Sni, string Protocol)> Handshakes { get; } = new();

    public static TlsAlpnResponder Start(int port) => new(port);

    public void Set(string serverName, X509Certificate2 certificate) => certificates[serverName] = certificate;

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

    private async Task AcceptLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop.Token);
            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await using var ssl = new SslStream(client.GetStream());
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                await ssl.AuthenticateAsServerAsync((_, hello, _, _) =>
                {
                    if (!certificates.TryGetValue(hello.ServerName ?? string.Empty, out var certificate))
                    {
                        throw new AuthenticationException($"no validation certificate for SNI '{hello.ServerName}'");
                    }

                    return ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = certificate,
                        ApplicationProtocols = [new SslApplicationProtocol(Acme.TlsAlpn01.Protocol)],
                    });
                }, null, timeout.Token);
                Handshakes.Enqueue((ssl.TargetHostName, ssl.NegotiatedApplicationProtocol.ToString()));
            }
            catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
            {
                // A failed handshake is the CA's problem to report; nothing to answer.
            }
        }
    }
}
