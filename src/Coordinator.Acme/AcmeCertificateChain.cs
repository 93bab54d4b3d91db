using System.Security.Cryptography.X509Certificates;

namespace Coordinator.Acme;

/// <summary>A downloaded certificate chain (RFC 8555 §7.4.2): PEM, leaf first, and the URLs of alternate chains.</summary>
/// <param name="Pem">The PEM chain as the CA sent it, leaf first.</param>
/// <param name="AlternateUrls">Alternate chains offered with <c>Link: rel="alternate"</c>; download with the same method.</param>
public sealed record AcmeCertificateChain(string Pem, IReadOnlyList<Uri> AlternateUrls)
{
    /// <summary>All certificates of the chain, leaf first. The caller disposes them.</summary>
    public IReadOnlyList<X509Certificate2> GetCertificates()
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(Pem);
        return [.. collection];
    }

    /// <summary>The leaf (end-entity) certificate, without private key.</summary>
    public X509Certificate2 GetLeaf()
    {
        var all = GetCertificates();
        foreach (var c in all.Skip(1))
        {
            c.Dispose();
        }

        return all.Count > 0 ? all[0] : throw new AcmeException("the certificate chain contains no certificate");
    }

    /// <summary>The certificates after the leaf (intermediates), in order. The caller disposes them.</summary>
    public IReadOnlyList<X509Certificate2> GetIssuers()
    {
        var all = GetCertificates();
        if (all.Count > 0)
        {
            all[0].Dispose();
        }

        return [.. all.Skip(1)];
    }

    /// <summary>The leaf combined with its private key (PKCS#8 PEM as made by <see cref="CertificateSigningRequest.Create"/>).</summary>
    public X509Certificate2 GetLeafWithPrivateKey(string privateKeyPem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(privateKeyPem);
        using var leaf = GetLeaf();
        return X509Certificate2.CreateFromPem(leaf.ExportCertificatePem(), privateKeyPem);
    }
}
