using Coordinator.Testing;
using Coordinator.Testing.Cluster;

namespace Coordinator.Grains.Tests;

public sealed class ClusterFixture : IAsyncLifetime
{
    public CoordinatorCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await CoordinatorCluster.StartAsync(silos: 3);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public sealed class DomainGrainTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private CoordinatorCluster C => fixture.Cluster;

    [Fact]
    public async Task FiftyDomainsEnsuredConcurrentlyFromEverySiloGetExactlyOneOrderEach()
    {
        var domains = Enumerable.Range(0, 50).Select(i => $"site{i}.concurrent.test").ToList();
        await InfraAssert.WithOutputAsync(async () =>
        {
            // Every domain is ensured three times at once, once through each silo.
            var calls = domains.SelectMany(d => Enumerable.Range(0, 3).Select(s => C.SiloGrains(s).GetGrain<IDomainGrain>(d).EnsureAsync(waitForCertificate: true)));
            var statuses = await Task.WhenAll(calls);

            Assert.All(statuses, s => Assert.Equal(DomainState.Valid, s.State));
            foreach (var d in domains)
            {
                Assert.Equal(1, C.Wire.NewOrdersFor(d));
                var cert = await C.Grains.GetGrain<IDomainGrain>(d).GetCertificateAsync();
                Assert.NotNull(cert);
                using var leaf = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(cert!.ChainPem);
                Assert.Contains(d, leaf.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.DnsName, false) + " " + string.Join(' ', Sans(leaf)));
                var extra = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(leaf.RawData);
                var chain = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
                chain.ImportFromPem(cert.ChainPem);
                Assert.True(await C.Pebble.VerifiesAsync(leaf, chain.Skip(1)));
            }

            Assert.Equal(domains.Count, (await C.Grains.ListDomainsAsync().ToListAsync()).Count(d => d.EndsWith(".concurrent.test", StringComparison.Ordinal)));
        }, C.Pebble.Process);
    }

    [Fact]
    public async Task FailingChallengeBacksOffAndRecoversWhenFixed()
    {
        const string domain = "broken.backoff.test";
        C.Responder.Broken[domain] = true;
        await InfraAssert.WithOutputAsync(async () =>
        {
            var grain = C.Grains.GetGrain<IDomainGrain>(domain);
            var failed = await grain.EnsureAsync(waitForCertificate: true);
            Assert.Equal(DomainState.BackingOff, failed.State);
            Assert.Equal(1, failed.FailureCount);
            Assert.Contains("urn:ietf:params:acme:error", failed.LastError, StringComparison.Ordinal);
            Assert.NotNull(failed.NextAttempt);
            var delay = failed.NextAttempt!.Value - DateTimeOffset.UtcNow;
            Assert.InRange(delay.TotalSeconds, 0.5, 2.5); // InitialBackoff 2 s, ±10%

            // Within the backoff another ensure does not reach the CA.
            var orders = C.Wire.NewOrdersFor(domain);
            var again = await grain.EnsureAsync(waitForCertificate: true);
            Assert.Equal(DomainState.BackingOff, again.State);
            Assert.Equal(orders, C.Wire.NewOrdersFor(domain));

            // Fixed: the registry's maintenance retries after the backoff, without a request.
            C.Responder.Broken.TryRemove(domain, out _);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            DomainStatus status;
            do
            {
                await Task.Delay(500);
                status = await grain.GetStatusAsync();
            }
            while (status.State != DomainState.Valid && DateTime.UtcNow < deadline);

            Assert.Equal(DomainState.Valid, status.State);
            Assert.Equal(0, status.FailureCount);
            Assert.Null(status.LastError);
        }, C.Pebble.Process);
    }

    [Theory]
    [InlineData("")]
    [InlineData("exa mple.test")]
    [InlineData("-leading.test")]
    [InlineData("UPPER.test")]
    [InlineData("a..b.test")]
    public async Task InvalidOrUnnormalizedNamesAreRejectedWithoutWritingState(string name)
    {
        var e = await Assert.ThrowsAnyAsync<ArgumentException>(() => C.Grains.GetGrain<IDomainGrain>(name).EnsureAsync(true));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        if (name.Length > 0)
        {
            Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, C.Wire.NewOrdersFor(name));
    }

    [Fact]
    public async Task WildcardWithoutDnsSolverIsExplainedAndIssuedWithOne()
    {
        // This cluster registers a DNS-01 solver (challtestsrv), so the wildcard is issued through dns-01.
        var status = await C.Grains.GetGrain<IDomainGrain>("*.wild.test").EnsureAsync(true);
        Assert.Equal(DomainState.Valid, status.State);
        var cert = await C.Grains.GetGrain<IDomainGrain>("*.wild.test").GetCertificateAsync();
        using var leaf = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(cert!.ChainPem);
        Assert.Contains("*.wild.test", Sans(leaf));
    }

    [Fact]
    public async Task RegistryAddsListsAndRemovesNames()
    {
        var added = await C.Grains.AddDomainsAsync(["One.Registry.test", "two.registry.test", "one.registry.test"]);
        Assert.Equal(2, added);
        var all = await C.Grains.ListDomainsAsync().ToListAsync();
        Assert.Contains("one.registry.test", all);
        Assert.True(await C.Grains.RemoveDomainAsync("two.registry.test"));
        Assert.DoesNotContain("two.registry.test", await C.Grains.ListDomainsAsync().ToListAsync());
        await Assert.ThrowsAsync<ArgumentException>(() => C.Grains.AddDomainsAsync(["ok.test", "not valid"]));
        Assert.DoesNotContain("ok.test", await C.Grains.ListDomainsAsync().ToListAsync());
    }

    internal static IEnumerable<string> Sans(System.Security.Cryptography.X509Certificates.X509Certificate2 cert) =>
        cert.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames());
}
