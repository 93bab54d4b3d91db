using System.Net;
using System.Net.Sockets;
using Coordinator.Testing;
using Coordinator.Testing.Nodes;

namespace Coordinator.AspNetCore.Tests;

public sealed class NodeClusterTests(NodeCluster cluster) : IClassFixture<NodeCluster>
{
    [Fact]
    public async Task EveryNodeServesEveryConfiguredNameWithAChainFromPebble()
    {
        await InfraAssert.WithOutputAsync(async () =>
        {
            foreach (var domain in NodeCluster.Domains)
            {
                var served = await cluster.WaitServedEverywhereAsync(domain, TimeSpan.FromSeconds(90));
                Assert.Equal(3, served.Count);
                Assert.Single(served.Select(s => s.Leaf.SerialNumber).Distinct());
                Assert.Equal(1, cluster.Wire.NewOrdersFor(domain));
            }
        }, cluster.Pebble.Process);
    }

    [Fact]
    public async Task ForcedRenewalIsServedByEveryNodeWithinASecond()
    {
        const string domain = "b.http.test";
        await InfraAssert.WithOutputAsync(async () =>
        {
            var before = (await cluster.WaitServedEverywhereAsync(domain, TimeSpan.FromSeconds(90)))[0].Leaf.SerialNumber;
            var status = await cluster.Client.GetGrain<IDomainGrain>(domain).RenewAsync();
            Assert.Equal(DomainState.Valid, status.State);
            Assert.NotEqual(before, status.SerialNumber);
            var renewedAt = DateTime.UtcNow;
            var served = await cluster.WaitServedEverywhereAsync(domain, TimeSpan.FromSeconds(10), notSerial: before);
            var elapsed = DateTime.UtcNow - renewedAt;
            Assert.All(served, s => Assert.Equal(status.SerialNumber, s.Leaf.SerialNumber, ignoreCase: true));
            // The push reaches every node before RenewAsync returns in practice; allow for a noisy machine.
            Assert.True(elapsed < TimeSpan.FromSeconds(2), $"nodes served the new serial only after {elapsed.TotalMilliseconds:0} ms");
        }, cluster.Pebble.Process);
    }

    [Fact]
    public async Task DuringAnOpenTlsAlpnChallengeOnlyAcmeTls1ClientsGetTheValidationCertificate()
    {
        const string domain = "held.alpn.test";
        cluster.AlpnGate.Close(); // Pebble's validation connection to node C is held: the challenge stays open
        try
        {
            _ = cluster.Client.GetGrain<IDomainGrain>(domain).EnsureAsync(waitForCertificate: false);
            await cluster.AlpnGate.FirstConnection.WaitAsync(TimeSpan.FromSeconds(30));
            foreach (var node in cluster.Nodes)
            {
                var acme = await node.HandshakeAsync(domain, "acme-tls/1");
                Assert.True(acme.IsAcmeValidationCertificate, $"{node.Name} did not serve the validation certificate to acme-tls/1");
                Assert.Equal("acme-tls/1", acme.NegotiatedProtocol);
                foreach (var alpn in new[] { new[] { "h2", "http/1.1" }, new[] { "http/1.1" }, Array.Empty<string>() })
                {
                    var browser = await node.HandshakeAsync(domain, alpn);
                    Assert.False(browser.IsAcmeValidationCertificate, $"{node.Name} served the validation certificate to ALPN [{string.Join(',', alpn)}]");
                }
            }
        }
        finally
        {
            cluster.AlpnGate.Open();
        }

        await cluster.WaitServedEverywhereAsync(domain, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task ClientHelloSplitAcrossTlsRecordsIsStillRecognised()
    {
        const string domain = "split.alpn.test";
        cluster.AlpnGate.Close();
        try
        {
            _ = cluster.Client.GetGrain<IDomainGrain>(domain).EnsureAsync(waitForCertificate: false);
            await cluster.AlpnGate.FirstConnection.WaitAsync(TimeSpan.FromSeconds(30));
            var node = cluster.Nodes[0];
            // A ClientHello of over 1 KiB sent in 512-byte TLS records: SNI and ALPN are past the first record.
            var acme = await OpenSslClient.HandshakeAsync(node.HttpsPort, domain, OpenSslClient.PaddedAlpn("acme-tls/1"), maxSendFragment: 512);
            Assert.NotNull(acme);
            Assert.Contains(acme!.Extensions, e => e.Oid?.Value == "1.3.6.1.5.5.7.1.31");
            var browser = await OpenSslClient.HandshakeAsync(node.HttpsPort, domain, OpenSslClient.PaddedAlpn("http/1.1"), maxSendFragment: 512);
            Assert.NotNull(browser);
            Assert.DoesNotContain(browser!.Extensions, e => e.Oid?.Value == "1.3.6.1.5.5.7.1.31");
        }
        finally
        {
            cluster.AlpnGate.Open();
        }
    }

    [Fact]
    public async Task UnknownNameGetsTheFallbackAndADisallowedOnDemandNameOrdersNothing()
    {
        var node = cluster.Nodes[1];
        var served = await node.HandshakeAsync("unknown.example.org", "http/1.1");
        Assert.Contains("Coordinator fallback", served.Leaf.Subject, StringComparison.Ordinal);
        await Task.Delay(1500);
        Assert.Equal(0, cluster.Wire.NewOrdersFor("unknown.example.org"));
    }

    [Fact]
    public async Task AllowedOnDemandNameIsIssuedAfterItsFirstHandshake()
    {
        const string domain = "shop.ondemand.test";
        var first = await cluster.Nodes[0].HandshakeAsync(domain, "http/1.1");
        Assert.Contains("Coordinator fallback", first.Leaf.Subject, StringComparison.Ordinal);
        await cluster.WaitServedEverywhereAsync(domain, TimeSpan.FromSeconds(60));
        Assert.Equal(1, cluster.Wire.NewOrdersFor(domain));
    }

    [Theory]
    [InlineData("/.well-known/acme-challenge/")]
    [InlineData("/.well-known/acme-challenge/unknown-token")]
    [InlineData("/.well-known/acme-challenge/../../etc/passwd")]
    [InlineData("/.well-known/acme-challenge/%2e%2e%2fsecret")]
    [InlineData("/.well-known/acme-challenge/a.b")]
    [InlineData("/.well-known/acme-challenge/tok/extra")]
    public async Task MalformedOrUnknownChallengeRequestsGet404(string path)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{cluster.Nodes[2].HttpPort}{path}"));
        request.Headers.Host = "a.http.test";
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task GarbageOverlongAndInvalidClientHellosAreRejectedAndTheNodeKeepsServing()
    {
        var node = cluster.Nodes[0];
        // Garbage instead of a ClientHello: the connection is closed.
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, node.HttpsPort);
            var stream = tcp.GetStream();
            await stream.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
            var buffer = new byte[256];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, cts.Token);
            }
            catch (IOException)
            {
                read = 0;
            }

            Assert.True(read == 0 || buffer[0] == 0x15, "expected the connection to close (or a TLS alert)");
        }

        // An invalid SNI (underscore, a 70-character label, 255 characters in all) is handled like an unknown name: fallback, no order.
        foreach (var name in new[] { "bad_name.test", new string('a', 70) + ".test", string.Join('.', Enumerable.Repeat(new string('b', 63), 4)) })
        {
            var served = await OpenSslClient.HandshakeAsync(node.HttpsPort, name, "http/1.1");
            Assert.NotNull(served);
            Assert.Contains("Coordinator fallback", served!.Subject, StringComparison.Ordinal);
            Assert.Equal(0, cluster.Wire.NewOrdersFor(name));
        }

        // Still serving real names.
        var ok = await cluster.WaitServedEverywhereAsync("a.http.test", TimeSpan.FromSeconds(90));
        Assert.NotEmpty(ok);
    }
}
