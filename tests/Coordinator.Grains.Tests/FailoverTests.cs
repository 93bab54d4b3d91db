using Coordinator.Testing;
using Coordinator.Testing.Cluster;

namespace Coordinator.Grains.Tests;

/// <summary>Failover kills a silo, so it has a cluster of its own.</summary>
public sealed class FailoverTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private CoordinatorCluster C => fixture.Cluster;

    [Fact]
    public async Task OrderInFlightSurvivesTheDeathOfItsSiloAndIsResumedNotReopened()
    {
        var domain = await DomainOnNonPrimarySiloAsync("failover");
        await InfraAssert.WithOutputAsync(async () =>
        {
            var grain = C.Grains.GetGrain<IDomainGrain>(domain);
            var holder = (await grain.GetStatusAsync()).LeaseHolder;
            var reached = C.Responder.HoldAsync(domain);
            _ = grain.EnsureAsync(waitForCertificate: false);
            await reached.WaitAsync(TimeSpan.FromSeconds(30)); // the order and its authorization exist; the CA is validating

            var silo = C.Cluster.Silos.Single(s => s.SiloAddress.ToString() == holder);
            await C.Cluster.KillSiloAsync(silo);
            C.Responder.Release(domain);

            var status = await Eventually.RetryAsync(() => C.Grains.GetGrain<IDomainGrain>(domain).EnsureAsync(waitForCertificate: true), TimeSpan.FromSeconds(90));
            Assert.Equal(DomainState.Valid, status.State);
            Assert.NotEqual(holder, status.LeaseHolder);
            Assert.Equal(1, C.Wire.NewOrdersFor(domain));
            Assert.NotNull(await C.Grains.GetGrain<IDomainGrain>(domain).GetCertificateAsync());
        }, C.Pebble.Process);
    }

    private async Task<string> DomainOnNonPrimarySiloAsync(string prefix)
    {
        var primary = C.Cluster.Primary!.SiloAddress.ToString();
        for (var i = 0; i < 200; i++)
        {
            var d = $"{prefix}{i}.failover.test";
            var status = await C.Grains.GetGrain<IDomainGrain>(d).GetStatusAsync();
            if (status.LeaseHolder != primary)
            {
                return d;
            }
        }

        throw new InvalidOperationException("every probe grain landed on the primary silo");
    }
}
