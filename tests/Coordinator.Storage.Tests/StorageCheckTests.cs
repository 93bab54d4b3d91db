using Coordinator.Testing;
using Orleans.Runtime;
using Orleans.Storage;

namespace Coordinator.Storage.Tests;

/// <summary>The operator's end-to-end check of a provider (keyed <see cref="IStorageCheck"/>).</summary>
public sealed class StorageCheckTests
{
    [Fact]
    public async Task AHealthyStoreIsReportedHealthyAndATamperedObjectIsNamed()
    {
        var k1 = TestKeys.New();
        await using var h = await StorageHarness.StartAsync(Backend.S3, TestKeys.Ring("k1", ("k1", k1)));
        await InfraAssert.WithOutputAsync(async () =>
        {
            var grains = Enumerable.Range(0, 5).Select(i => GrainId.Create("test-grain", $"check-{i}")).ToList();
            foreach (var g in grains)
            {
                await h.Grains.WriteStateAsync("state", g, new GrainState<TestState> { State = TestState.Random() });
            }

            await h.PutRawAsync("unrelated.txt", [1, 2, 3]);
            var healthy = await h.Check.CheckAsync(CancellationToken.None);
            Assert.True(healthy.Healthy);
            Assert.Equal(6, healthy.Objects);
            Assert.Equal(6, healthy.Readable);
            Assert.Equal(1, healthy.Skipped);
            Assert.Equal(6, healthy.ObjectsByKeyId["k1"]);

            var victim = h.Storage.ObjectName("state", grains[2]);
            var bytes = (await h.GetRawAsync(victim))!;
            bytes[^3] ^= 1;
            await h.PutRawAsync(victim, bytes);
            var damaged = await h.Check.CheckAsync(CancellationToken.None);
            Assert.False(damaged.Healthy);
            Assert.Equal(1, damaged.Unreadable);
            var problem = Assert.Single(damaged.Problems);
            Assert.StartsWith(victim + ": ", problem, StringComparison.Ordinal);
            Assert.DoesNotContain(k1, string.Join("\n", damaged.Problems), StringComparison.Ordinal);
            Assert.Equal(bytes, await h.GetRawAsync(victim));
        }, h.Processes);
    }

    [Fact]
    public async Task AStoreIgnoringConditionalWritesIsReportedUnhealthy()
    {
        var s3 = await SharedInfrastructure.S3IgnoringConditionsAsync();
        await using var h = await StorageHarness.CreateAsync(
            Backend.S3, TestKeys.Ring("k1", ("k1", TestKeys.New())), configureS3: o => o.AllowStoreWithoutConditionalWrites = true, server: s3);
        await InfraAssert.WithOutputAsync(async () =>
        {
            await h.Storage.InitializeAsync(CancellationToken.None);
            var result = await h.Check.CheckAsync(CancellationToken.None);
            Assert.False(result.ConditionalWritesHonoured);
            Assert.Contains("If-None-Match", result.ConditionalWriteFailure, StringComparison.Ordinal);
            Assert.False(result.Healthy);
        }, s3.Process);
    }
}
