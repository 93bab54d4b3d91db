using System.Security.Cryptography.X509Certificates;

namespace Coordinator.Acme;

/// <summary>
/// The RFC 9773 certificate identifier: base64url(Authority Key Identifier keyIdentifier) "." base64url(serial
/// number DER content octets, including any leading zero). Used in <c>renewalInfo/{id}</c> and newOrder's <c>replaces</c>.
/// </summary>
public static class AcmeCertificateIdentifier
{
    private const string AuthorityKeyIdentifierOid = "2.5.29.35";

    /// <summary>The ARI id of <paramref name="certificate"/>. Throws <see cref="ArgumentException"/> when it has no AKI key identifier.</summary>
    public static string For(X509Certificate2 certificate) => For(certificate, null);

    /// <summary>The ARI id; when the certificate lacks an AKI, the issuer's Subject Key Identifier stands in.</summary>
    public static string For(X509Certificate2 certificate, X509Certificate2? issuer)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var keyId = AuthorityKeyId(certificate) ?? SubjectKeyId(issuer)
            ?? throw new ArgumentException($"certificate '{certificate.Subject}' (serial {certificate.SerialNumber}) has no Authority Key Identifier and no issuer with a Subject Key Identifier was given.", nameof(certificate));
        return Base64UrlText.Encode(keyId) + "." + Base64UrlText.Encode(certificate.SerialNumberBytes.Span);
    }

    internal static void Validate(string id, string paramName)
    {
        var parts = id.Split('.');
        if (parts.Length != 2 || parts.Any(p => p.Length == 0 || p.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))))
        {
            throw new ArgumentException($"'{id}' is not an ARI certificate identifier (base64url AKI '.' base64url serial; use AcmeCertificateIdentifier.For).", paramName);
        }
    }

    private static byte[]? AuthorityKeyId(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == AuthorityKeyIdentifierOid)
            {
                var aki = new X509AuthorityKeyIdentifierExtension(extension.RawData, extension.Critical);
                return aki.KeyIdentifier is { Length: > 0 } k ? k.ToArray() : null;
            }
        }

        return null;
    }

    private static byte[]? SubjectKeyId(X509Certificate2? issuer)
    {
        var ski = issuer?.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
        return ski is null ? null : ski.SubjectKeyIdentifierBytes.ToArray();
    }
}
