using Coordinator.Testing;
using Coordinator.Testing.Cluster;

namespace Coordinator.Grains.Tests;

public sealed class RenewalAndFallbackTests
{
    [Fact]
    public async Task ShortLivedCertificateIsRenewedOnScheduleAndEverySiloSeesTheNewSerial()
    {
        // Pebble issues 30-second certificates: renewal is due at 2/3 of the lifetime (minus up to 1/30 jitter).
        await using var c = await CoordinatorCluster.StartAsync(silos: 3, new PebbleOptions { CertificateValidityPeriodSeconds = 30 });
        const string domain = "renew.schedule.test";
        await InfraAssert.WithOutputAsync(async () =>
        {
            var first = await c.Grains.GetGrain<IDomainGrain>(domain).EnsureAsync(waitForCertificate: true);
            Assert.Equal(DomainState.Valid, first.State);
            var lifetime = first.NotAfter!.Value - first.NotBefore!.Value;
            Assert.InRange(first.NextAttempt!.Value, first.NotBefore.Value + (lifetime * 0.6), first.NotBefore.Value + (lifetime * 0.67));

            // No request from here on: the registry's maintenance renews it.
            var deadline = DateTime.UtcNow + lifetime;
            CertificateSnapshot?[] seen;
            do
            {
                await Task.Delay(250);
                seen = c.Cluster.Silos.Select(s => c.Recorder(s).Latest.GetValueOrDefault(domain)).ToArray();
            }
            while (DateTime.UtcNow < deadline && seen.Any(s => s is null || s.SerialNumber == first.SerialNumber));

            Assert.All(seen, s => Assert.NotEqual(first.SerialNumber, s?.SerialNumber));
            var renewed = await c.Grains.GetGrain<IDomainGrain>(domain).GetStatusAsync();
            Assert.All(seen, s => Assert.Equal(renewed.SerialNumber, s!.SerialNumber));
            Assert.True(renewed.NotAfter > first.NotAfter);
            Assert.Equal(2, c.Wire.NewOrdersFor(domain));
        }, c.Pebble.Process);
    }

    [Fact]
    public async Task IssuerThatRejectsUsLeadsToIssuanceByTheNext()
    {
        // The first issuer requires external account binding and we hold no EAB key for it.
        await using var eabOnly = await PebbleServer.StartAsync(new PebbleOptions
        {
            ExternalAccountBindingRequired = true,
            ExternalAccountMacKeys = new Dictionary<string, string> { ["kid-1"] = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W" },
        });
        await using var c = await CoordinatorCluster.StartAsync(silos: 2, extraIssuers: [("eab-only", eabOnly.DirectoryUri)]);
        await InfraAssert.WithOutputAsync(async () =>
        {
            var status = await c.Grains.GetGrain<IDomainGrain>("fallback.issuer.test").EnsureAsync(waitForCertificate: true);
            Assert.Equal(DomainState.Valid, status.State);
            Assert.Equal("pebble", status.Issuer);
            Assert.Equal(1, c.Wire.NewOrdersFor("fallback.issuer.test"));
            var cert = await c.Grains.GetGrain<IDomainGrain>("fallback.issuer.test").GetCertificateAsync();
            Assert.Equal("pebble", cert!.Issuer);
        }, c.Pebble.Process, eabOnly.Process);
    }
}

public sealed class ConfigurationErrorTests
{
    [Fact]
    public async Task WildcardWithoutADnsSolverFailsClearlyAndWritesNothing()
    {
        await using var c = await CoordinatorCluster.StartAsync(silos: 1, dnsSolver: false);
        using var s3 = c.S3.CreateClient();
        async Task<List<(string Key, string ETag)>> ObjectsAsync() =>
            ((await s3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = c.Bucket })).S3Objects ?? [])
            .Select(o => (o.Key, o.ETag)).OrderBy(o => o.Key, StringComparer.Ordinal).ToList();

        // Let the silo's subscriber register first (it persists the notifier's subscriber list).
        await c.Grains.GetGrain<ICertificateNotifierGrain>(0).SubscribeAsync(c.Grains.CreateObjectReference<ICertificateObserver>(c.Recorder(c.Cluster.Primary!)));
        await Task.Delay(2500);
        var before = await ObjectsAsync();

        var e = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => c.Grains.GetGrain<IDomainGrain>("*.nosolver.test").EnsureAsync(true));
        Assert.Contains("IDns01Solver", e.Message, StringComparison.Ordinal);
        Assert.Contains("*.nosolver.test", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, c.Wire.NewOrderRequests);

        // Nothing was written for it: the name is not registered and no object was created or changed.
        Assert.DoesNotContain("*.nosolver.test", await c.Grains.ListDomainsAsync().ToListAsync());
        Assert.Equal(before, await ObjectsAsync());
    }
}
