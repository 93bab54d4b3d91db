using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coordinator.Acme;

/// <summary>Certificate download (RFC 8555 §7.4.2) and revocation (§7.6).</summary>
public sealed partial class AcmeClient
{
    /// <summary>
    /// Downloads the PEM chain (leaf first) and the URLs of alternate chains (<c>Link: rel="alternate"</c>); pass
    /// one of those URLs to download that alternate chain.
    /// </summary>
    public async Task<AcmeCertificateChain> DownloadCertificateAsync(Uri certificateUrl, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(certificateUrl);
        var response = await PostAsKidAsync(certificateUrl, null, ct, "application/pem-certificate-chain").ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw new AcmeException($"certificate {certificateUrl} answered HTTP {response.Status}, expected 200.");
        }

        var pem = response.Text();
        if (!pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new AcmeException($"certificate {certificateUrl} answered {response.ContentType ?? "no content type"}, not a PEM chain: {response.Snippet()}");
        }

        var alternates = response.Links.Where(l => l.Rel == "alternate").Select(l => l.Url).ToList();
        return new AcmeCertificateChain(pem, alternates);
    }

    /// <summary>Revokes a certificate of this account, signed with the account key (RFC 8555 §7.6).</summary>
    /// <param name="certificate">The certificate to revoke.</param>
    /// <param name="reason">An RFC 5280 CRLReason code (0–10 except 7), e.g. 1 keyCompromise, 4 superseded; null for none.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task RevokeCertificateAsync(X509Certificate2 certificate, int? reason = null, CancellationToken ct = default)
    {
        var payload = RevocationPayload(certificate, reason);
        var dir = await GetDirectoryAsync(ct).ConfigureAwait(false);
        var revoke = dir.RevokeCert ?? throw new NotSupportedException("the CA's directory has no revokeCert URL.");
        await PostAsKidAsync(revoke, payload, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Revokes a certificate with its own private key (RFC 8555 §7.6, the <c>jwk</c> form): for when the account
    /// key is lost, or the key of a certificate from another account leaked.
    /// </summary>
    /// <param name="http">The HTTP client (not disposed).</param>
    /// <param name="directoryUri">The CA's directory URL.</param>
    /// <param name="certificate">The certificate to revoke.</param>
    /// <param name="certificateKey">The certificate's private key (ECDsa or RSA).</param>
    /// <param name="reason">An RFC 5280 CRLReason code (0–10 except 7); null for none.</param>
    /// <param name="options">Tuning; defaults as on <see cref="AcmeClientOptions"/>.</param>
    /// <param name="timeProvider">The clock for retry waits.</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task RevokeCertificateWithCertificateKeyAsync(HttpClient http, Uri directoryUri, X509Certificate2 certificate,
        AsymmetricAlgorithm certificateKey, int? reason = null, AcmeClientOptions? options = null, TimeProvider? timeProvider = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(certificateKey);
        var payload = RevocationPayload(certificate, reason);
        var signer = new JwsSigner(certificateKey);
        using (var pub = certificate.GetECDsaPublicKey() as AsymmetricAlgorithm ?? certificate.GetRSAPublicKey())
        {
            if (pub is null || new JwsSigner(pub).Thumbprint != signer.Thumbprint)
            {
                throw new ArgumentException("certificateKey is not the private key of certificate.", nameof(certificateKey));
            }
        }

        var transport = new AcmeTransport(http, directoryUri, options ?? new AcmeClientOptions(), timeProvider ?? TimeProvider.System, NullLogger.Instance);
        var dir = await transport.GetDirectoryAsync(ct).ConfigureAwait(false);
        var revoke = dir.RevokeCert ?? throw new NotSupportedException("the CA's directory has no revokeCert URL.");
        await transport.PostAsync(revoke, signer, null, payload, ct).ConfigureAwait(false);
    }

    private static byte[] RevocationPayload(X509Certificate2 certificate, int? reason)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (reason is { } r && (r is < 0 or > 10 || r == 7))
        {
            throw new ArgumentOutOfRangeException(nameof(reason), r, $"revocation reason {r} is not an RFC 5280 CRLReason (0–10, 7 is unused).");
        }

        return JsonBytes.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("certificate", Base64UrlText.Encode(certificate.RawData));
            if (reason is { } code)
            {
                w.WriteNumber("reason", code);
            }

            w.WriteEndObject();
        });
    }
}
