using System.Security.Cryptography.X509Certificates;

namespace Coordinator.Acme.Tests;

/// <summary>The whole RFC 8555 issuance flow, as a caller of the library writes it, answering one challenge type.</summary>
public static class Issuance
{
    public sealed record Result(AcmeOrder Order, AcmeCertificateChain Chain, string PrivateKeyPem, IReadOnlyList<AcmeAuthorization> Authorizations);

    public static async Task<Result> IssueAsync(AcmeClient client, TestCa ca, IReadOnlyList<AcmeIdentifier> identifiers, string challengeType,
        AcmeKeyType certificateKey = AcmeKeyType.EcdsaP256, CancellationToken ct = default)
    {
        var order = await client.NewOrderAsync(identifiers, ct: ct);
        var authorizations = new List<AcmeAuthorization>();
        foreach (var url in order.Authorizations)
        {
            authorizations.Add(await AuthorizeAsync(client, ca, url, challengeType, ct));
        }

        order = await client.WaitForOrderAsync(order.Url, ct);
        Assert.Equal("ready", order.Status);
        var (csr, keyPem) = CertificateSigningRequest.Create([.. identifiers.Select(i => i.Value)], certificateKey);
        order = await client.FinalizeAsync(order, csr, ct);
        order = await client.WaitForOrderAsync(order.Url, ct);
        Assert.Equal("valid", order.Status);
        var chain = await client.DownloadCertificateAsync(order.Certificate!, ct);
        return new Result(order, chain, keyPem, authorizations);
    }

    public static async Task<AcmeAuthorization> AuthorizeAsync(AcmeClient client, TestCa ca, Uri url, string challengeType, CancellationToken ct = default)
    {
        var authz = await client.GetAuthorizationAsync(url, ct);
        if (authz.Status == "valid")
        {
            return authz;
        }

        var challenge = authz.Challenge(challengeType) ?? throw new InvalidOperationException($"no {challengeType} challenge for {authz.Identifier.Value}");
        var keyAuthorization = client.GetKeyAuthorization(challenge.Token);
        var txtHost = "_acme-challenge." + authz.Identifier.Value;
        switch (challengeType)
        {
            case AcmeChallenge.Http01:
                ca.Http.Set(challenge.Token, keyAuthorization);
                break;
            case AcmeChallenge.TlsAlpn01:
                ca.Tls.Set(SniFor(authz.Identifier), TlsAlpn01.CreateValidationCertificate(authz.Identifier.Value, keyAuthorization));
                break;
            case AcmeChallenge.Dns01:
                await ca.Pebble.Dns.SetTxtAsync(txtHost, client.GetDns01TxtValue(challenge.Token), ct);
                break;
        }

        await client.AnswerChallengeAsync(challenge.Url, ct);
        return await client.WaitForAuthorizationAsync(url, ct);
    }

    // RFC 8738 §6: for an IP identifier the SNI is the reverse-DNS name; Pebble sends it that way.
    private static string SniFor(AcmeIdentifier identifier) => identifier.Type == AcmeIdentifier.IpType
        ? System.Net.IPAddress.Parse(identifier.Value).GetAddressBytes().Reverse().Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture)).Aggregate((a, b) => a + "." + b) + ".in-addr.arpa"
        : identifier.Value;

    /// <summary>The chain verifies against Pebble's current issuing root; returns the leaf.</summary>
    public static async Task<X509Certificate2> VerifyAsync(TestCa ca, AcmeCertificateChain chain)
    {
        var all = chain.GetCertificates();
        Assert.True(all.Count >= 2, $"expected leaf + intermediate, got {all.Count} certificates");
        Assert.True(await ca.Pebble.VerifiesAsync(all[0], all.Skip(1)), "the issued chain does not verify against Pebble's issuing root");
        return all[0];
    }

    public static IReadOnlyList<string> SubjectAltNames(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        return [.. san.EnumerateDnsNames(), .. san.EnumerateIPAddresses().Select(i => i.ToString())];
    }
}
