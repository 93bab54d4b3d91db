using System.Security.Cryptography;

namespace Coordinator.Acme.Tests;

/// <summary>Revocation, checked through Pebble's management endpoint.</summary>
public sealed class RevocationTests
{
    [Fact]
    public async Task RevocationWithTheAccountKeyIsReportedWithTheReasonGiven()
    {
        var ca = await TestCa.SharedAsync();
        await ca.RunAsync(async () =>
        {
            using var key = AcmeAccountKey.Generate();
            using var client = ca.CreateClient(key);
            await client.CreateAccountAsync([], true);
            var result = await Issuance.IssueAsync(client, ca, [AcmeIdentifier.Dns(TestCa.UniqueName("rev"))], AcmeChallenge.Http01);
            using var leaf = result.Chain.GetLeaf();
            Assert.Equal("Valid", await StatusAsync(ca, leaf));

            await client.RevokeCertificateAsync(leaf, reason: 4);

            Assert.Equal("Revoked", await StatusAsync(ca, leaf));
            Assert.Equal(4, await ReasonAsync(ca, leaf));
            var again = await Assert.ThrowsAsync<AcmeProblemException>(() => client.RevokeCertificateAsync(leaf, reason: 4));
            Assert.Equal(AcmeProblemTypes.AlreadyRevoked, again.Problem.Type);
        });
    }

    [Fact]
    public async Task RevocationWithTheCertificateKeyIsReportedWithTheReasonGiven()
    {
        var ca = await TestCa.SharedAsync();
        await ca.RunAsync(async () =>
        {
            using var key = AcmeAccountKey.Generate();
            using var client = ca.CreateClient(key);
            await client.CreateAccountAsync([], true);
            var result = await Issuance.IssueAsync(client, ca, [AcmeIdentifier.Dns(TestCa.UniqueName("kc"))], AcmeChallenge.Http01);
            using var leaf = result.Chain.GetLeaf();
            using var certificateKey = ECDsa.Create();
            certificateKey.ImportFromPem(result.PrivateKeyPem);

            await AcmeClient.RevokeCertificateWithCertificateKeyAsync(TestCa.HttpClient, ca.Pebble.DirectoryUri, leaf, certificateKey, reason: 1);

            Assert.Equal("Revoked", await StatusAsync(ca, leaf));
            Assert.Equal(1, await ReasonAsync(ca, leaf));
        });
    }

    [Fact]
    public async Task ARevocationReasonOutsideRfc5280FailsBeforeAnyRequest()
    {
        var ca = await TestCa.SharedAsync();
        using var key = AcmeAccountKey.Generate();
        using var client = ca.CreateClient(key);
        using var cert = TlsAlpn01.CreateValidationCertificate("x.example.test", "t.k");
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.RevokeCertificateAsync(cert, reason: 7));
        Assert.Contains("7", e.Message, StringComparison.Ordinal);
        Assert.Null(client.AccountUrl);
    }

    private static string SerialHex(System.Security.Cryptography.X509Certificates.X509Certificate2 leaf) =>
        leaf.SerialNumber.TrimStart('0').ToLowerInvariant();

    private static async Task<string?> StatusAsync(TestCa ca, System.Security.Cryptography.X509Certificates.X509Certificate2 leaf)
    {
        using var doc = await ca.Pebble.GetCertificateStatusAsync(SerialHex(leaf));
        return doc.RootElement.GetProperty("Status").GetString();
    }

    private static async Task<int> ReasonAsync(TestCa ca, System.Security.Cryptography.X509Certificates.X509Certificate2 leaf)
    {
        using var doc = await ca.Pebble.GetCertificateStatusAsync(SerialHex(leaf));
        return doc.RootElement.GetProperty("Reason").GetInt32();
    }
}
