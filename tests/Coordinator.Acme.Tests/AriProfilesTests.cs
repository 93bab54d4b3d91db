using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Coordinator.Acme.Tests;

/// <summary>ARI (RFC 9773) and profiles, against <see cref="AriProfilesTestDouble"/> because Pebble 2.4 has neither.</summary>
public sealed class AriProfilesTests
{
    [Fact]
    public void CertificateIdentifierMatchesTheRfc9773Example()
    {
        // RFC 9773 §4.1: AKI keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4 and serial
        // 00:87:65:43:21 (the leading zero is part of the DER INTEGER) give "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE".
        using var cert = CertificateWith(Convert.FromHexString("69885B6B87464041E1B37B847BA0AE2CDE01C8D4"), Convert.FromHexString("0087654321"));
        Assert.Equal("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", AcmeCertificateIdentifier.For(cert));
    }

    [Fact]
    public void CertificateWithoutAkiNeedsTheIssuersSki()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var selfSigned = new CertificateRequest("CN=no-aki", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        Assert.Throws<ArgumentException>(() => AcmeCertificateIdentifier.For(selfSigned));

        var issuerRequest = new CertificateRequest("CN=issuer", key, HashAlgorithmName.SHA256);
        issuerRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(new byte[] { 1, 2, 3, 4 }, false));
        using var issuer = issuerRequest.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        Assert.StartsWith("AQIDBA.", AcmeCertificateIdentifier.For(selfSigned, issuer), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenewalInfoIsFetchedByCertificateIdentifierWithWindowAndRetryAfter()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key);
        using var cert = CertificateWith(Convert.FromHexString("69885B6B87464041E1B37B847BA0AE2CDE01C8D4"), Convert.FromHexString("0087654321"));

        var info = await client.GetRenewalInfoAsync(cert, null);

        Assert.NotNull(info);
        var request = Assert.Single(ca.Requests, r => r.Path.StartsWith("/renewal-info/", StringComparison.Ordinal));
        Assert.Equal("GET", request.Method);
        Assert.Equal("/renewal-info/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", request.Path);
        Assert.Equal(ca.Window.Start, info.WindowStart);
        Assert.Equal(ca.Window.End, info.WindowEnd);
        Assert.Equal(TimeSpan.FromHours(6), info.RetryAfter);
        Assert.Equal(new Uri("https://status.example.test/incident/1"), info.ExplanationUrl);
    }

    [Fact]
    public async Task RenewalInfoIsNullWhenTheCaHasNone()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        ca.AdvertiseRenewalInfo = false;
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key);
        using var cert = CertificateWith([9, 9, 9], [1]);

        Assert.Null(await client.GetRenewalInfoAsync(cert, null));
        Assert.DoesNotContain(ca.Requests, r => r.Path.StartsWith("/renewal-info/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NewOrderSendsTheProfileAndReplacesExactly()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key);
        var directory = await client.GetDirectoryAsync();
        Assert.Equal(["classic", "shortlived"], directory.Meta.Profiles.Keys.Order());
        Assert.Equal("6-day certificates", directory.Meta.Profiles["shortlived"]);
        await client.CreateAccountAsync([], true);
        using var old = CertificateWith(Convert.FromHexString("69885B6B87464041E1B37B847BA0AE2CDE01C8D4"), Convert.FromHexString("0087654321"));
        var replaces = AcmeCertificateIdentifier.For(old);

        var order = await client.NewOrderAsync([AcmeIdentifier.Dns("renew.example.test")], profile: "shortlived", replaces: replaces);

        var request = Assert.Single(ca.RequestsTo("/new-order"));
        Assert.Null(request.Error);
        Assert.Equal(
            """{"identifiers":[{"type":"dns","value":"renew.example.test"}],"profile":"shortlived","replaces":"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"}""",
            request.Payload!.ToJsonString());
        Assert.Equal(ca.BaseUri + "acct/1", request.Protected!["kid"]!.GetValue<string>());
        Assert.Equal("shortlived", order.Profile);
        Assert.Equal(replaces, order.Replaces);
        Assert.Equal(new Uri(ca.BaseUri, "order/1"), order.Url);
    }

    [Fact]
    public async Task AnUnknownProfileOrMalformedReplacesFailsBeforeTheOrderIsSent()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key);
        await client.CreateAccountAsync([], true);

        var profile = await Assert.ThrowsAsync<ArgumentException>(() => client.NewOrderAsync([AcmeIdentifier.Dns("a.example.test")], profile: "tlsserver"));
        Assert.Contains("'tlsserver'", profile.Message, StringComparison.Ordinal);
        Assert.Contains("shortlived", profile.Message, StringComparison.Ordinal);
        var replaces = await Assert.ThrowsAsync<ArgumentException>(() => client.NewOrderAsync([AcmeIdentifier.Dns("a.example.test")], replaces: "not an ari id"));
        Assert.Contains("'not an ari id'", replaces.Message, StringComparison.Ordinal);
        Assert.Empty(ca.RequestsTo("/new-order"));
    }

    /// <summary>A certificate with exactly this AKI key identifier and serial number.</summary>
    internal static X509Certificate2 CertificateWith(byte[] authorityKeyId, byte[] serial)
    {
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ari.example.test", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(authorityKeyId));
        var now = DateTimeOffset.UtcNow;
        return request.Create(new X500DistinguishedName("CN=issuer"), X509SignatureGenerator.CreateForECDsa(issuerKey), now.AddDays(-1), now.AddDays(1), serial);
    }
}
