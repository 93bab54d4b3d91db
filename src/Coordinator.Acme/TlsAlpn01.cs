using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Coordinator.Acme;

/// <summary>
/// TLS-ALPN-01 (RFC 8737): the self-signed validation certificate to present, only to clients that offer the
/// <see cref="Protocol"/> ALPN protocol, for the identifier being validated.
/// </summary>
public static class TlsAlpn01
{
    /// <summary>The ALPN protocol name the CA offers when validating.</summary>
    public const string Protocol = "acme-tls/1";

    /// <summary>The id-pe-acmeIdentifier extension OID (RFC 8737 §6.1).</summary>
    public const string AcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";

    /// <summary>
    /// A self-signed ECDSA P-256 certificate (with its private key) whose only SAN is <paramref name="identifier"/>
    /// (a DNS name, or an IP address per RFC 8738) and which carries the critical acmeIdentifier extension with
    /// SHA-256(<paramref name="keyAuthorization"/>). Valid from one day ago for seven days.
    /// </summary>
    /// <param name="identifier">The DNS name (without <c>*.</c>) or IP address being validated.</param>
    /// <param name="keyAuthorization">From <see cref="AcmeClient.GetKeyAuthorization"/>.</param>
    public static X509Certificate2 CreateValidationCertificate(string identifier, string keyAuthorization) =>
        CreateValidationCertificate(identifier, keyAuthorization, TimeProvider.System);

    /// <summary>As <see cref="CreateValidationCertificate(string, string)"/>, with the clock that sets the validity.</summary>
    public static X509Certificate2 CreateValidationCertificate(string identifier, string keyAuthorization, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyAuthorization);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var san = new SubjectAlternativeNameBuilder();
        if (IPAddress.TryParse(identifier, out var ip))
        {
            san.AddIpAddress(ip);
        }
        else
        {
            IdentifierValidation.ValidateDnsName(identifier, nameof(identifier));
            if (identifier.StartsWith("*.", StringComparison.Ordinal))
            {
                throw new ArgumentException($"identifier '{identifier}' is a wildcard: TLS-ALPN-01 cannot validate wildcards (use DNS-01).", nameof(identifier));
            }

            san.AddDnsName(identifier);
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ACME TLS-ALPN-01 validation", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(san.Build(critical: true));
        var digest = SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization));
        // extnValue = DER OCTET STRING (tag 0x04, length 32) of the SHA-256 digest.
        var value = new byte[2 + digest.Length];
        value[0] = 0x04;
        value[1] = (byte)digest.Length;
        digest.CopyTo(value, 2);
        request.CertificateExtensions.Add(new X509Extension(AcmeIdentifierOid, value, critical: true));
        var now = timeProvider.GetUtcNow();
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
    }
}
