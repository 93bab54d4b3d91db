namespace Coordinator.Acme.Tests;

/// <summary>One client, many orders at once; and an order resumed by a fresh client (a grain that moved).</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task EightOrdersRunConcurrentlyOnOneClient()
    {
        var ca = await TestCa.SharedAsync();
        await ca.RunAsync(async () =>
        {
            using var key = AcmeAccountKey.Generate();
            using var client = ca.CreateClient(key);
            await client.CreateAccountAsync([], true);
            var names = Enumerable.Range(0, 8).Select(i => TestCa.UniqueName("par" + i)).ToList();

            var results = await Task.WhenAll(names.Select(n => Issuance.IssueAsync(client, ca, [AcmeIdentifier.Dns(n)], AcmeChallenge.Http01)));

            for (var i = 0; i < names.Count; i++)
            {
                using var leaf = await Issuance.VerifyAsync(ca, results[i].Chain);
                Assert.Equal([names[i]], Issuance.SubjectAltNames(leaf));
            }
        });
    }

    [Fact]
    public async Task AFreshClientWithTheStoredKeyAndUrlsResumesTheSameOrder()
    {
        var ca = await TestCa.SharedAsync();
        await ca.RunAsync(async () =>
        {
            // What a grain persists: the account key PEM, the account URL and the order URL.
            string keyPem;
            Uri accountUrl;
            Uri orderUrl;
            var name = TestCa.UniqueName("resume");
            using (var key = AcmeAccountKey.Generate())
            using (var first = ca.CreateClient(key))
            {
                accountUrl = (await first.CreateAccountAsync([], true)).Url;
                orderUrl = (await first.NewOrderAsync([AcmeIdentifier.Dns(name)])).Url;
                keyPem = key.ExportPkcs8Pem();
            }

            using var restoredKey = AcmeAccountKey.FromPkcs8Pem(keyPem);
            using var second = new AcmeClient(TestCa.HttpClient, ca.Pebble.DirectoryUri, restoredKey, accountUrl.AbsoluteUri);
            var order = await second.GetOrderAsync(orderUrl);
            Assert.Equal("pending", order.Status);
            foreach (var url in order.Authorizations)
            {
                await Issuance.AuthorizeAsync(second, ca, url, AcmeChallenge.Http01);
            }

            order = await second.WaitForOrderAsync(orderUrl);
            var (csr, _) = CertificateSigningRequest.Create([name], AcmeKeyType.EcdsaP256);
            order = await second.WaitForOrderAsync((await second.FinalizeAsync(order, csr)).Url);
            var chain = await second.DownloadCertificateAsync(order.Certificate!);

            using var leaf = await Issuance.VerifyAsync(ca, chain);
            Assert.Equal([name], Issuance.SubjectAltNames(leaf));
            Assert.Equal(orderUrl, order.Url);
        });
    }
}
