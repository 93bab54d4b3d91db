using System.Security.Cryptography.X509Certificates;

namespace Coordinator.Acme;

/// <summary>ACME Renewal Information (RFC 9773).</summary>
public sealed partial class AcmeClient
{
    /// <summary>
    /// The CA's suggested renewal window for <paramref name="certificate"/> (<c>GET renewalInfo/{certID}</c>), or null
    /// when the CA's directory has no <c>renewalInfo</c>. <see cref="AcmeRenewalInfo.RetryAfter"/> says when to ask again.
    /// </summary>
    /// <param name="certificate">The certificate (its Authority Key Identifier and serial make the ARI id).</param>
    /// <param name="issuer">
    /// Optional issuer certificate: only used when <paramref name="certificate"/> lacks an Authority Key Identifier
    /// extension, then the issuer's Subject Key Identifier stands in.
    /// </param>
    /// <param name="ct">Cancellation.</param>
    public async Task<AcmeRenewalInfo?> GetRenewalInfoAsync(X509Certificate2 certificate, X509Certificate2? issuer = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ThrowIfDisposed();
        var id = AcmeCertificateIdentifier.For(certificate, issuer);
        var dir = await transport.GetDirectoryAsync(ct).ConfigureAwait(false);
        if (dir.RenewalInfo is not { } baseUrl)
        {
            return null;
        }

        var url = new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/" + id);
        var response = await transport.GetAsync(url, ct).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw new AcmeException($"renewalInfo {url} answered HTTP {response.Status}, expected 200.");
        }

        using var json = response.Json();
        return AcmeWire.RenewalInfo(json.RootElement, url, response.RetryAfter);
    }
}
