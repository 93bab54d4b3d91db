using Coordinator.Testing;
using Coordinator.Testing.Nodes;

namespace Coordinator.AspNetCore.Tests;

/// <summary>Kills and restarts nodes, so it has a cluster of its own.</summary>
public sealed class NodeFailureTests(NodeCluster cluster) : IClassFixture<NodeCluster>
{
    [Fact]
    public async Task KillingOneNodeLeavesTheOthersServingAndTheClusterRecovers()
    {
        await InfraAssert.WithOutputAsync(async () =>
        {
            var before = new Dictionary<string, string>();
            foreach (var d in NodeCluster.Domains)
            {
                before[d] = (await cluster.WaitServedEverywhereAsync(d, TimeSpan.FromSeconds(90)))[0].Leaf.SerialNumber;
            }

            var victim = cluster.Nodes[1]; // node A holds the localhost membership table: kill another
            victim.Kill();

            // At once, without waiting for the cluster to notice: the survivors serve every name from their caches.
            foreach (var node in new[] { cluster.Nodes[0], cluster.Nodes[2] })
            {
                foreach (var d in NodeCluster.Domains)
                {
                    var served = await node.HandshakeAsync(d, "http/1.1");
                    Assert.Equal(before[d], served.Leaf.SerialNumber);
                }
            }

            // The cluster recovers: every domain grain answers again (those on the dead node reactivate elsewhere from
            // the bucket) and a renewal still reaches the survivors (TLS-ALPN-01 is validated on node C, which lives).
            await cluster.ConnectClientAsync();
            foreach (var d in NodeCluster.Domains)
            {
                var status = await Eventually.RetryAsync(() => cluster.Client.GetGrain<IDomainGrain>(d).GetStatusAsync(), TimeSpan.FromSeconds(90));
                Assert.Equal(before[d], status.SerialNumber, ignoreCase: true);
            }

            // Until the dead silo is declared dead, a renewal can fail on grains that lived there (the issuer's
            // account grain, say): it then backs off, and an operator's forced renewal retries at once.
            var renewed = await Eventually.RetryAsync(
                async () =>
                {
                    var s = await cluster.Client.GetGrain<IDomainGrain>("a.alpn.test").RenewAsync();
                    return s.State == DomainState.Valid ? s : throw new InvalidOperationException($"renewal ended {s.State}: {s.LastError}");
                },
                TimeSpan.FromSeconds(90));
            Assert.Equal(DomainState.Valid, renewed.State);
            await cluster.WaitServedEverywhereAsync("a.alpn.test", TimeSpan.FromSeconds(10), notSerial: before["a.alpn.test"]);

            // The killed node comes back with the same configuration and serves everything again.
            cluster.Nodes[1] = await victim.RestartAsync(cluster.PrimarySiloPort);
            await victim.DisposeAsync();
            foreach (var d in NodeCluster.Domains)
            {
                await cluster.WaitServedEverywhereAsync(d, TimeSpan.FromSeconds(30));
            }
        }, cluster.Pebble.Process);
    }

    [Fact]
    public async Task RestartingTheWholeClusterBringsCertificatesBackFromTheBucketWithoutNewOrders()
    {
        await InfraAssert.WithOutputAsync(async () =>
        {
            var serials = new Dictionary<string, string>();
            foreach (var d in NodeCluster.Domains)
            {
                serials[d] = (await cluster.WaitServedEverywhereAsync(d, TimeSpan.FromSeconds(90)))[0].Leaf.SerialNumber;
            }

            var orders = cluster.Wire.TotalNewOrders;
            var old = cluster.Nodes.ToList();
            foreach (var n in old)
            {
                n.Kill();
            }

            cluster.Nodes[0] = await old[0].RestartAsync(old[0].SiloPort);
            var others = await Task.WhenAll(old.Skip(1).Select(n => n.RestartAsync(old[0].SiloPort)));
            cluster.Nodes[1] = others[0];
            cluster.Nodes[2] = others[1];
            foreach (var n in old)
            {
                await n.DisposeAsync();
            }

            await cluster.ConnectClientAsync();
            foreach (var d in NodeCluster.Domains)
            {
                var served = await cluster.WaitServedEverywhereAsync(d, TimeSpan.FromSeconds(60));
                Assert.All(served, s => Assert.Equal(serials[d], s.Leaf.SerialNumber));
            }

            await Task.Delay(3000); // give the maintenance loop time to (wrongly) reorder
            Assert.Equal(orders, cluster.Wire.TotalNewOrders);
        }, cluster.Pebble.Process);
    }
}
