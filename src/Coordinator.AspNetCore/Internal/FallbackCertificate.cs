using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Coordinator.AspNetCore.Internal;

/// <summary>A self-signed certificate served to names that have no certificate (yet). Made once per process.</summary>
internal sealed class FallbackCertificate
{
    public FallbackCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Coordinator fallback certificate (no certificate for this name yet)", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
        Certificate = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        Context = SslStreamCertificateContext.Create(Certificate, null, offline: true);
    }

    public X509Certificate2 Certificate { get; }

    public SslStreamCertificateContext Context { get; }
}
