using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Coordinator.Acme.Tests;

/// <summary>All three challenge types end to end against the real Pebble, answered by real local listeners.</summary>
public sealed class IssuanceTests
{
    [Theory]
    [InlineData(AcmeKeyType.EcdsaP256, AcmeKeyType.EcdsaP256)]
    [InlineData(AcmeKeyType.EcdsaP384, AcmeKeyType.EcdsaP384)]
    [InlineData(AcmeKeyType.Rsa2048, AcmeKeyType.Rsa2048)]
    [InlineData(AcmeKeyType.EcdsaP256, AcmeKeyType.Rsa4096)]
    public async Task Http01IssuesATwoNameCertificateThatVerifies(AcmeKeyType accountKeyType, AcmeKeyType certificateKeyType)
    {
        var ca = await TestCa.SharedAsync();
        await ca.RunAsync(async () =>
        {
            using var key = AcmeAccountKey.Generate(accountKeyType);
            using var client = ca.CreateClient(key);
            await client.CreateAccountAsync(["mailto:ops@example.test"], termsOfServiceAgreed: true);
            string[] names = [TestCa.UniqueName("www"), TestCa.UniqueName("api")];

            var result = await Issuance.IssueAsync(client, ca, [.. names.Select(AcmeIdentifier.Dns)], AcmeChallenge.Http01, certificateKeyType);

            using var leaf = await Issuance.VerifyAsync(ca, result.Chain);
            Assert.Equal(names.Order(), Issuance.SubjectAltNames(leaf).Order());
            AssertKeyType(leaf, certificateKeyType);
            Assert.Contains(names[0], ca.Http.Hits);
            Assert.Contains(names[1], ca.Http.Hits);
            using var withKey = result.Chain.GetLeafWithPrivateKey(result.PrivateKeyPem);
            Assert.True(withKey.HasPrivateKey);
        });
    }

    [Fact]
    public async Task Http01IssuesForAnIpAddress()
    {
        var ca = await TestCa.SharedAsync();
        await ca.RunAsync(async () =>
        {
            using var key = AcmeAccountKey.Generate();
            using var client = ca.CreateClient(key);
            await client.CreateAccountAsync([], termsOfServiceAgreed: true);

            var result = await Issuance.IssueAsync(client, ca, [AcmeIdentifier.Ip(IPAddress.Loopback)], AcmeChallenge.Http01);

            using var leaf = await Issuance.VerifyAsync(ca, result.Chain);
            Assert.Equal(["127.0.0.1"], Issuance.SubjectAltNames(leaf));
            Assert.Equal("ip", result.Authorizations.Single().Identifier.Type);
        });
    }

    [Fact]
    public async Task TlsAlpn01IssuesACertificateThroughTheAcmeTlsProtocol()
    {
        var ca = await TestCa.SharedAsync();
        await ca.RunAsync(async () =>
        {
            using var key = AcmeAccountKey.Generate();
            using var client = ca.CreateClient(key);
            await client.CreateAccountAsync([], termsOfServiceAgreed: true);
            var name = TestCa.UniqueName("alpn");

            var result = await Issuance.IssueAsync(client, ca, [AcmeIdentifier.Dns(name)], AcmeChallenge.TlsAlpn01, AcmeKeyType.EcdsaP384);

            using var leaf = await Issuance.VerifyAsync(ca, result.Chain);
            Assert.Equal([name], Issuance.SubjectAltNames(leaf));
            AssertKeyType(leaf, AcmeKeyType.EcdsaP384);
            Assert.Contains((name, TlsAlpn01.Protocol), ca.Tls.Handshakes);
            Assert.Equal("valid", result.Authorizations.Single().Challenge(AcmeChallenge.TlsAlpn01)!.Status);
        });
    }

    [Fact]
    public async Task Dns01IssuesAWildcardPlusApexThroughChallTestSrv()
    {
        var ca = await TestCa.SharedAsync();
        await ca.RunAsync(async () =>
        {
            using var key = AcmeAccountKey.Generate(AcmeKeyType.Rsa2048);
            using var client = ca.CreateClient(key);
            await client.CreateAccountAsync([], termsOfServiceAgreed: true);
            var apex = TestCa.UniqueName("zone");

            var result = await Issuance.IssueAsync(client, ca, [AcmeIdentifier.Dns("*." + apex), AcmeIdentifier.Dns(apex)], AcmeChallenge.Dns01);

            using var leaf = await Issuance.VerifyAsync(ca, result.Chain);
            Assert.Equal(new[] { "*." + apex, apex }.Order(), Issuance.SubjectAltNames(leaf).Order());
            AssertKeyType(leaf, AcmeKeyType.EcdsaP256);
            Assert.Equal(2, result.Authorizations.Count);
            Assert.All(result.Authorizations, a => Assert.Equal(apex, a.Identifier.Value));
            Assert.Single(result.Authorizations, a => a.Wildcard);
            Assert.Single(result.Order.Identifiers, i => i.IsWildcard);
        });
    }

    [Fact]
    public async Task AlternateChainsAreOfferedAndDownloadable()
    {
        // Pebble with an alternate root sends Link: rel="alternate" on the certificate.
        await using var ca = await TestCa.StartAsync(new Coordinator.Testing.PebbleOptions
        {
            Environment = new Dictionary<string, string> { ["PEBBLE_ALTERNATE_ROOTS"] = "1" },
        });
        await ca.RunAsync(async () =>
        {
            using var key = AcmeAccountKey.Generate();
            using var client = ca.CreateClient(key);
            await client.CreateAccountAsync([], termsOfServiceAgreed: true);

            var result = await Issuance.IssueAsync(client, ca, [AcmeIdentifier.Dns(TestCa.UniqueName("alt"))], AcmeChallenge.Http01);

            var alternate = Assert.Single(result.Chain.AlternateUrls);
            var other = await client.DownloadCertificateAsync(alternate);
            using var leaf = result.Chain.GetLeaf();
            using var otherLeaf = other.GetLeaf();
            Assert.Equal(leaf.Thumbprint, otherLeaf.Thumbprint);
            var issuers = result.Chain.GetIssuers();
            var otherIssuers = other.GetIssuers();
            Assert.NotEqual(issuers[^1].Issuer, otherIssuers[^1].Issuer);
        });
    }

    private static void AssertKeyType(X509Certificate2 leaf, AcmeKeyType expected)
    {
        switch (expected)
        {
            case AcmeKeyType.EcdsaP256 or AcmeKeyType.EcdsaP384:
                using (var ec = leaf.GetECDsaPublicKey())
                {
                    Assert.NotNull(ec);
                    Assert.Equal(expected == AcmeKeyType.EcdsaP256 ? 256 : 384, ec.KeySize);
                }

                break;
            default:
                using (var rsa = leaf.GetRSAPublicKey())
                {
                    Assert.NotNull(rsa);
                    Assert.Equal(expected == AcmeKeyType.Rsa2048 ? 2048 : 4096, rsa.KeySize);
                }

                break;
        }
    }
}
