using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Coordinator.Acme;

namespace Coordinator.Grains;

/// <summary>Certificate keys and CSRs for an order. The key is made once per order and persisted with it.</summary>
internal static class CertificateKeys
{
    public static string NewKeyPem(AcmeKeyType type) => type switch
    {
        AcmeKeyType.EcdsaP256 => Export(ECDsa.Create(ECCurve.NamedCurves.nistP256)),
        AcmeKeyType.EcdsaP384 => Export(ECDsa.Create(ECCurve.NamedCurves.nistP384)),
        AcmeKeyType.Rsa2048 => Export(RSA.Create(2048)),
        AcmeKeyType.Rsa4096 => Export(RSA.Create(4096)),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown key type"),
    };

    /// <summary>A DER CSR for <paramref name="domain"/> signed by the key in <paramref name="keyPem"/>.</summary>
    public static byte[] CreateCsr(string domain, string keyPem)
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(domain);
        var subject = new X500DistinguishedName($"CN={(domain.Length <= 64 ? domain : domain[..64])}");
        if (keyPem.Contains("BEGIN PRIVATE KEY", StringComparison.Ordinal) && TryEc(keyPem) is { } ec)
        {
            using (ec)
            {
                var req = new CertificateRequest(subject, ec, ec.KeySize > 256 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256);
                req.CertificateExtensions.Add(san.Build());
                return req.CreateSigningRequest();
            }
        }

        using var rsa = RSA.Create();
        rsa.ImportFromPem(keyPem);
        var r = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        r.CertificateExtensions.Add(san.Build());
        return r.CreateSigningRequest();
    }

    private static ECDsa? TryEc(string pem)
    {
        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
            return ec;
        }
        catch (CryptographicException)
        {
            ec.Dispose();
            return null;
        }
    }

    private static string Export(AsymmetricAlgorithm key)
    {
        using (key)
        {
            return key.ExportPkcs8PrivateKeyPem();
        }
    }
}
