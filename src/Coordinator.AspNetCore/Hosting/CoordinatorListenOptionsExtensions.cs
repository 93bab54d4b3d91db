using System.Net.Security;
using Coordinator.AspNetCore.Internal;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Makes a Kestrel endpoint serve coordinated certificates.</summary>
public static class CoordinatorListenOptionsExtensions
{
    /// <summary>
    /// Serves this endpoint over TLS with the certificate of each SNI name from the node-local cache (a cache hit makes
    /// no grain, storage or network call), answers TLS-ALPN-01 challenges only to clients offering <c>acme-tls/1</c> (and
    /// closes those connections after the handshake), and serves a self-signed fallback to names without a certificate.
    /// Requires <c>AddCoordinator()</c>.
    /// </summary>
    /// <param name="listenOptions">The endpoint.</param>
    /// <param name="unmanaged">Consulted for names Coordinator has no certificate for, before the fallback (chains a
    /// selector you had before); return null to decline.</param>
    /// <param name="allowTlsResume">Whether clients may resume TLS sessions (session tickets). Default: true. False forces a
    /// full handshake on every connection (as <see cref="SslServerAuthenticationOptions.AllowTlsResume"/> = false does for a
    /// static certificate), for example to measure handshakes; it also applies to what <paramref name="unmanaged"/> returns.</param>
    public static ListenOptions UseCoordinatorHttps(this ListenOptions listenOptions, Func<TlsHandshakeCallbackContext, ValueTask<SslServerAuthenticationOptions?>>? unmanaged = null, bool allowTlsResume = true)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        var selector = listenOptions.ApplicationServices.GetService<HandshakeSelector>()
            ?? throw new InvalidOperationException("UseCoordinatorHttps() needs Coordinator's services: did you call builder.AddCoordinator()?");
        listenOptions.Use(ClientHelloMiddleware.Create());
        listenOptions.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = allowTlsResume ? context => selector.SelectAsync(context, unmanaged) : context => WithoutResume(selector.SelectAsync(context, unmanaged)),
            HandshakeTimeout = TimeSpan.FromSeconds(10),
        });
        listenOptions.Use(next => connection =>
        {
            var protocol = connection.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol;
            if (protocol is { } p && p.Span.SequenceEqual("acme-tls/1"u8))
            {
                connection.Abort(); // a validation handshake carries no application data
                return Task.CompletedTask;
            }

            return next(connection);
        });
        return listenOptions;
    }

    private static async ValueTask<SslServerAuthenticationOptions> WithoutResume(ValueTask<SslServerAuthenticationOptions> selected)
    {
        var options = await selected;
        options.AllowTlsResume = false;
        return options;
    }
}
