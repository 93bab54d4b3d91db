using System.Net;
using System.Text.Json;
using Coordinator.Testing;

namespace Coordinator.Testing.Tests;

public sealed class PebbleSmokeTests
{
    [Fact]
    public async Task DirectoryIsServedOverTlsTrustedThroughTheGeneratedCa()
    {
        var pebble = await SharedInfrastructure.PebbleAsync();
        await InfraAssert.WithOutputAsync(async () =>
        {
            using var http = PebbleServer.CreateHttpClient();
            using var doc = JsonDocument.Parse(await http.GetStringAsync(pebble.DirectoryUri));
            Assert.StartsWith("https://127.0.0.1:", doc.RootElement.GetProperty("newAccount").GetString());
            Assert.True(doc.RootElement.TryGetProperty("newOrder", out _));
            Assert.True(doc.RootElement.TryGetProperty("newNonce", out _));
        }, pebble.Process);
    }

    [Fact]
    public async Task DirectoryIsRejectedWithoutTheGeneratedCa()
    {
        var pebble = await SharedInfrastructure.PebbleAsync();
        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(pebble.DirectoryUri));
    }

    [Fact]
    public async Task IssuingRootIsAvailableAndIsACa()
    {
        var pebble = await SharedInfrastructure.PebbleAsync();
        using var root = await pebble.GetIssuingRootAsync();
        Assert.Contains("Pebble Root CA", root.Subject, StringComparison.Ordinal);
        var basic = root.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension>().Single();
        Assert.True(basic.CertificateAuthority);
    }

    [Fact]
    public async Task OwnPebbleTakesTheRequestedConfiguration()
    {
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions
        {
            ExternalAccountBindingRequired = true,
            ExternalAccountMacKeys = new Dictionary<string, string> { ["kid-1"] = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W" },
            CertificateValidityPeriodSeconds = 600,
            NonceRejectPercent = 50,
        });
        using var http = PebbleServer.CreateHttpClient();
        using var doc = JsonDocument.Parse(await http.GetStringAsync(pebble.DirectoryUri));
        Assert.True(doc.RootElement.GetProperty("meta").GetProperty("externalAccountRequired").GetBoolean());
        Assert.NotEqual(pebble.HttpValidationPort, pebble.TlsValidationPort);
    }

    [Fact]
    public async Task DisposedPebbleIsStoppedByPid()
    {
        var pebble = await PebbleServer.StartAsync();
        var pids = new[] { pebble.Process.Pid, pebble.Dns.Process.Pid };
        await pebble.DisposeAsync();
        foreach (var pid in pids)
        {
            Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal),
                $"process {pid} is still running");
        }

        using var http = PebbleServer.CreateHttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(pebble.DirectoryUri));
    }

    [Fact]
    public async Task ChallTestServerResolvesEveryNameAndPublishesTxtRecords()
    {
        var pebble = await SharedInfrastructure.PebbleAsync();
        var dns = pebble.Dns;
        await dns.SetTxtAsync("_acme-challenge.smoke.example.test", "txt-value-1");
        var answer = await DnsQuery.QueryAsync(dns.DnsPort, "_acme-challenge.smoke.example.test", DnsQuery.TypeTxt);
        Assert.Contains("txt-value-1", answer.Texts);
        var a = await DnsQuery.QueryAsync(dns.DnsPort, "anything.example.test", DnsQuery.TypeA);
        Assert.Contains(IPAddress.Loopback, a.Addresses);
        await dns.ClearTxtAsync("_acme-challenge.smoke.example.test");
        var cleared = await DnsQuery.QueryAsync(dns.DnsPort, "_acme-challenge.smoke.example.test", DnsQuery.TypeTxt);
        Assert.DoesNotContain("txt-value-1", cleared.Texts);
    }
}
