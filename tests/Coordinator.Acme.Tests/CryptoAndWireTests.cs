using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Coordinator.Acme.Tests;

/// <summary>Keys, JWK thumbprints, challenge values, CSRs, the TLS-ALPN-01 certificate and header parsing, checked against the RFCs.</summary>
public sealed class CryptoAndWireTests
{
    [Fact]
    public void RsaThumbprintMatchesTheRfc7638Example()
    {
        // RFC 7638 §3.1.
        var n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        var thumbprint = JwsSigner.RsaThumbprint(new RSAParameters { Modulus = Base64Url.DecodeFromChars(n), Exponent = Base64Url.DecodeFromChars("AQAB") });
        Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", thumbprint);
    }

    [Theory]
    [InlineData(AcmeKeyType.EcdsaP256, "ES256")]
    [InlineData(AcmeKeyType.EcdsaP384, "ES384")]
    [InlineData(AcmeKeyType.Rsa2048, "RS256")]
    public void AccountKeysSurviveTheirPemForm(AcmeKeyType type, string alg)
    {
        using var key = AcmeAccountKey.Generate(type);
        var pem = key.ExportPkcs8Pem();
        using var restored = AcmeAccountKey.FromPkcs8Pem(pem);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem, StringComparison.Ordinal);
        Assert.Equal(type, restored.KeyType);
        Assert.Equal(key.Thumbprint, restored.Thumbprint);
        Assert.Equal(alg, restored.Signer.Algorithm);
        Assert.Equal(43, key.Thumbprint.Length);
    }

    [Fact]
    public void APemThatIsNotASupportedKeyIsRejectedWithoutRepeatingIt()
    {
        using var rsa = RSA.Create(3072);
        var unsupported = rsa.ExportPkcs8PrivateKeyPem();
        var e = Assert.Throws<ArgumentException>(() => AcmeAccountKey.FromPkcs8Pem(unsupported));
        Assert.Contains("3072", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(unsupported[40..80], e.Message, StringComparison.Ordinal);

        var garbage = "-----BEGIN PRIVATE KEY-----\nTUFERUJZTUFMSUNFU0VDUkVU\n-----END PRIVATE KEY-----";
        var g = Assert.Throws<ArgumentException>(() => AcmeAccountKey.FromPkcs8Pem(garbage));
        Assert.Equal("pem", g.ParamName);
        Assert.DoesNotContain("TUFERUJZ", g.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => AcmeAccountKey.FromPkcs8Pem(" "));
    }

    [Fact]
    public void ChallengeValuesFollowRfc8555()
    {
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), new Uri("https://ca.example.test/dir"), key);
        var token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";

        Assert.Equal(token + "." + key.Thumbprint, client.GetKeyAuthorization(token));
        Assert.Equal(Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(token + "." + key.Thumbprint))), client.GetDns01TxtValue(token));
        Assert.Throws<ArgumentException>(() => client.GetKeyAuthorization("../etc/passwd"));
    }

    [Fact]
    public void TheTlsAlpn01CertificateCarriesTheCriticalAcmeIdentifierExtension()
    {
        var keyAuthorization = "token.thumbprint";
        using var cert = TlsAlpn01.CreateValidationCertificate("alpn.example.test", keyAuthorization);

        var extension = cert.Extensions.Single(e => e.Oid!.Value == "1.3.6.1.5.5.7.1.31");
        Assert.True(extension.Critical);
        Assert.Equal([0x04, 0x20, .. SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization))], extension.RawData);
        Assert.Equal(["alpn.example.test"], cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        Assert.True(cert.HasPrivateKey);
        Assert.Equal("acme-tls/1", TlsAlpn01.Protocol);

        using var ip = TlsAlpn01.CreateValidationCertificate("::1", keyAuthorization);
        Assert.Equal([IPAddress.IPv6Loopback], ip.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses());
        Assert.Contains("wildcard", Assert.Throws<ArgumentException>(() => TlsAlpn01.CreateValidationCertificate("*.example.test", keyAuthorization)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AcmeKeyType.EcdsaP256)]
    [InlineData(AcmeKeyType.EcdsaP384)]
    [InlineData(AcmeKeyType.Rsa2048)]
    public void TheCsrNamesEveryIdentifierAndMatchesTheReturnedKey(AcmeKeyType type)
    {
        var (der, keyPem) = CertificateSigningRequest.Create(["www.example.test", "*.example.test", "192.0.2.7"], type);

        var csr = CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        Assert.Equal("CN=www.example.test", csr.SubjectName.Name);
        var san = csr.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["www.example.test", "*.example.test"], san.EnumerateDnsNames());
        Assert.Equal([IPAddress.Parse("192.0.2.7")], san.EnumerateIPAddresses());
        using AsymmetricAlgorithm key = type == AcmeKeyType.Rsa2048 ? RSA.Create() : ECDsa.Create();
        key.ImportFromPem(keyPem);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), csr.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal(type == AcmeKeyType.EcdsaP384 ? 384 : type == AcmeKeyType.Rsa2048 ? 2048 : 256, key.KeySize);
    }

    [Fact]
    public void RetryAfterAcceptsSecondsAndHttpDates()
    {
        var now = DateTimeOffset.Parse("2026-12-03T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromSeconds(120), RetryAfter.Parse("120", now));
        Assert.Equal(TimeSpan.FromSeconds(90), RetryAfter.Parse("Thu, 03 Dec 2026 10:01:30 GMT", now));
        Assert.Equal(TimeSpan.Zero, RetryAfter.Parse("Thu, 03 Dec 2026 09:00:00 GMT", now));
        Assert.Null(RetryAfter.Parse("soon", now));
        Assert.Null(RetryAfter.Parse(null, now));
    }

    [Fact]
    public void LinkHeadersYieldAlternatesResolvedAgainstTheRequest()
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Link", "<https://ca.example.test/cert/1/1>;rel=\"alternate\", </dir>;rel=\"index\"");
        response.Headers.TryAddWithoutValidation("Link", "<2>; rel=alternate");

        var links = LinkHeader.Parse(response.Headers, new Uri("https://ca.example.test/cert/1/"));

        Assert.Equal(
            [(new Uri("https://ca.example.test/cert/1/1"), "alternate"), (new Uri("https://ca.example.test/dir"), "index"), (new Uri("https://ca.example.test/cert/1/2"), "alternate")],
            links);
    }

    [Fact]
    public void TheNoncePoolIsBoundedAndHandsOutEachNonceOnce()
    {
        var pool = new NoncePool(3);
        foreach (var n in new[] { "a", "b", "c", "d", "e" })
        {
            pool.Add(n);
        }

        Assert.Equal(3, pool.Count);
        Assert.Equal(new string?[] { "e", "d", "c", null }.AsEnumerable(), new[] { pool.TryTake(), pool.TryTake(), pool.TryTake(), pool.TryTake() });
        pool.Add("f");
        pool.Clear();
        Assert.Null(pool.TryTake());
    }

    [Fact]
    public void OptionsRejectBadValuesNamingTheSetting()
    {
        var options = new AcmeClientOptions();
        Assert.Equal(1024 * 1024, options.MaxResponseBytes);
        Assert.Equal(nameof(AcmeClientOptions.MaxResponseBytes), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxResponseBytes = 10).ParamName);
        Assert.Equal(nameof(AcmeClientOptions.PollTimeout), Assert.Throws<ArgumentOutOfRangeException>(() => options.PollTimeout = TimeSpan.Zero).ParamName);
        Assert.Equal(nameof(AcmeClientOptions.MaxRetries), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxRetries = -1).ParamName);
    }

    [Fact]
    public void ExternalAccountBindingDoesNotPrintItsKey()
    {
        var eab = new AcmeExternalAccountBinding("kid-7", "c2VjcmV0LW1hYy1rZXk");
        Assert.Contains("kid-7", eab.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", eab.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ProblemsAreClassifiedForRetryDecisions()
    {
        AcmeProblem P(string type) => new(type, "d", null, null, []);
        Assert.True(new AcmeProblemException(P(AcmeProblemTypes.RateLimited), 429, TimeSpan.FromMinutes(5)).IsRateLimited);
        Assert.True(new AcmeProblemException(P(AcmeProblemTypes.ServerInternal), 500).IsRetryable);
        Assert.False(new AcmeProblemException(P(AcmeProblemTypes.Malformed), 400).IsRetryable);
        Assert.False(new AcmeProblemException(P(AcmeProblemTypes.Connection), 0).IsRetryable);
        Assert.False(new AcmeProblemException(P(AcmeProblemTypes.Unauthorized), 403).IsRateLimited);
    }
}
