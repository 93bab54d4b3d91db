using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Coordinator.AspNetCore.Internal;

/// <summary>
/// Chooses the certificate for each TLS handshake: the TLS-ALPN-01 validation certificate only for a client whose
/// ClientHello offers <c>acme-tls/1</c>; otherwise the cached certificate for the SNI name; otherwise (after one
/// deduplicated grain call) the operator's callback or the self-signed fallback, starting an on-demand order
/// when the policy allows the name.
/// </summary>
internal sealed partial class HandshakeSelector(
    CertificateCache cache,
    FallbackCertificate fallback,
    OnDemandPolicy onDemand,
    IGrainFactory grains,
    ILogger<HandshakeSelector> logger)
{
    private static readonly List<SslApplicationProtocol> AcmeTls1Only = [new(ClientHello.AcmeTls1)];

    public ValueTask<SslServerAuthenticationOptions> SelectAsync(TlsHandshakeCallbackContext context, Func<TlsHandshakeCallbackContext, ValueTask<SslServerAuthenticationOptions?>>? unmanaged)
    {
        var hello = context.Connection.Items.TryGetValue(ClientHelloMiddleware.ItemKey, out var item) ? item as ClientHello : null;
        var serverName = hello?.ServerName ?? context.ClientHelloInfo.ServerName;
        if (hello?.OffersAcmeTls1 != true && cache.TryGet(serverName) is { } hit)
        {
            CoordinatorAspNetCoreTelemetry.HandshakeLookups.Add(1, new KeyValuePair<string, object?>("coordinator.cache.result", "hit"));
            return ValueTask.FromResult(new SslServerAuthenticationOptions { ServerCertificateContext = hit.Context });
        }

        return SlowPathAsync(context, hello, serverName, unmanaged);
    }

    private async ValueTask<SslServerAuthenticationOptions> SlowPathAsync(TlsHandshakeCallbackContext context, ClientHello? hello, string? serverName, Func<TlsHandshakeCallbackContext, ValueTask<SslServerAuthenticationOptions?>>? unmanaged)
    {
        var valid = DomainName.TryNormalize(serverName, out var name, out _);
        if (hello?.OffersAcmeTls1 == true)
        {
            if (valid && await ChallengeAsync(name) is { } challenge)
            {
                CoordinatorAspNetCoreTelemetry.HandshakeLookups.Add(1, new KeyValuePair<string, object?>("coordinator.cache.result", "acme-tls/1"));
                return new SslServerAuthenticationOptions { ServerCertificateContext = challenge, ApplicationProtocols = AcmeTls1Only };
            }

            LogNoChallenge(logger, serverName ?? "(no SNI)");
        }

        if (valid && await cache.GetAsync(name) is { } entry)
        {
            return new SslServerAuthenticationOptions { ServerCertificateContext = entry.Context };
        }

        if (unmanaged is not null && await unmanaged(context) is { } chained)
        {
            return chained;
        }

        if (valid && await onDemand.AllowsAsync(name))
        {
            LogOnDemand(logger, name);
            _ = grains.GetGrain<IDomainGrain>(name).EnsureAsync(waitForCertificate: false);
        }

        CoordinatorAspNetCoreTelemetry.HandshakeLookups.Add(1, new KeyValuePair<string, object?>("coordinator.cache.result", "fallback"));
        return new SslServerAuthenticationOptions { ServerCertificateContext = fallback.Context };
    }

    private async Task<SslStreamCertificateContext?> ChallengeAsync(string name)
    {
        try
        {
            var challenge = await grains.GetGrain<IDomainGrain>(name).GetTlsAlpn01CertificateAsync();
            if (challenge is null)
            {
                return null;
            }

            var cert = X509Certificate2.CreateFromPem(challenge.CertificatePem, challenge.PrivateKeyPem);
            return SslStreamCertificateContext.Create(cert, null, offline: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogChallengeLookupFailed(logger, name, e.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "acme-tls/1 handshake for {Name} but no TLS-ALPN-01 challenge is open")]
    private static partial void LogNoChallenge(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "On-demand certificate order for {Name}")]
    private static partial void LogOnDemand(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS-ALPN-01 lookup for {Name} failed: {Message}")]
    private static partial void LogChallengeLookupFailed(ILogger logger, string name, string message);
}
