using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Coordinator.AspNetCore.Internal;

/// <summary>
/// Connection middleware placed before <c>UseHttps</c>: peeks at the transport input without consuming it,
/// reassembles the ClientHello across TCP reads and TLS records (bounded to 64 KiB and 10 s), and leaves the
/// parsed SNI and ALPN in <c>ConnectionContext.Items</c> for the TLS handshake callback.
/// </summary>
internal static class ClientHelloMiddleware
{
    public const string ItemKey = "coordinator.client-hello";
    private const int MaxBytes = 64 * 1024;
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    public static Func<ConnectionDelegate, ConnectionDelegate> Create() => next => async connection =>
    {
        var input = connection.Transport.Input;
        using var timeout = new CancellationTokenSource(MaxWait);
        try
        {
            while (true)
            {
                var read = await input.ReadAsync(timeout.Token);
                var buffer = read.Buffer;
                var result = ClientHelloParser.TryParse(buffer, out var hello);
                if (result == ClientHelloParser.Result.Done)
                {
                    connection.Items[ItemKey] = hello;
                }

                if (result != ClientHelloParser.Result.NeedMore || read.IsCompleted || buffer.Length >= MaxBytes)
                {
                    input.AdvanceTo(buffer.Start); // consume nothing: TLS reads it all again
                    break;
                }

                input.AdvanceTo(buffer.Start, buffer.End); // examined everything, need more
            }
        }
        catch (OperationCanceledException)
        {
            connection.Abort(new ConnectionAbortedException("No complete TLS ClientHello within 10 seconds."));
            return;
        }

        await next(connection);
    };
}
