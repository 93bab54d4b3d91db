using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Coordinator.Acme;

/// <summary>Creates a certificate key and a PKCS#10 CSR for <see cref="AcmeClient.FinalizeAsync"/>.</summary>
public static class CertificateSigningRequest
{
    /// <summary>
    /// Generates a fresh key of <paramref name="keyType"/> and a CSR for the names (DNS names, wildcards allowed, or
    /// IP addresses) as subjectAltNames; the first DNS name of at most 64 characters becomes the CN. Returns the DER
    /// CSR and the private key as PKCS#8 PEM (a secret: store it encrypted).
    /// </summary>
    public static (byte[] CsrDer, string PrivateKeyPkcs8Pem) Create(IReadOnlyList<string> dnsNamesOrIps, AcmeKeyType keyType)
    {
        ArgumentNullException.ThrowIfNull(dnsNamesOrIps);
        if (dnsNamesOrIps.Count == 0)
        {
            throw new ArgumentException("a CSR needs at least one name.", nameof(dnsNamesOrIps));
        }

        var san = new SubjectAlternativeNameBuilder();
        string? commonName = null;
        foreach (var name in dnsNamesOrIps)
        {
            if (name is not null && IPAddress.TryParse(name, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                IdentifierValidation.ValidateDnsName(name!, nameof(dnsNamesOrIps));
                san.AddDnsName(name!);
                if (commonName is null && name!.Length <= 64)
                {
                    commonName = name;
                }
            }
        }

        using var key = KeyFactory.Generate(keyType);
        var subject = commonName is null ? new X500DistinguishedName(string.Empty) : new X500DistinguishedName("CN=" + commonName);
        var request = key switch
        {
            ECDsa ec => new CertificateRequest(subject, ec, keyType == AcmeKeyType.EcdsaP384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "unsupported key type"),
        };
        request.CertificateExtensions.Add(san.Build());
        return (request.CreateSigningRequest(), key.ExportPkcs8PrivateKeyPem());
    }
}
