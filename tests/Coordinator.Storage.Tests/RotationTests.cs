using System.Collections.Concurrent;
using Coordinator.Storage.Internal;
using Coordinator.Testing;
using Orleans.Runtime;
using Orleans.Storage;
using Xunit.Abstractions;

namespace Coordinator.Storage.Tests;

public sealed class RotationTests(ITestOutputHelper output)
{
    public static TheoryData<Backend> Backends => [Backend.S3, Backend.Directory];

    private static async Task<Dictionary<string, string?>> KeyIdsAsync(StorageHarness h) =>
        (await h.RawObjectsAsync()).Where(o => o.Name != ".lock").ToDictionary(o => o.Name, o => Envelope.PeekKeyId(o.Data));

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RotationResealsEverythingSoTheOldKeyCanBeRemoved(Backend backend)
    {
        var k1 = TestKeys.New();
        var k2 = TestKeys.New();
        await using var old = await StorageHarness.StartAsync(backend, TestKeys.Ring("k1", ("k1", k1)));
        await InfraAssert.WithOutputAsync(async () =>
        {
            var grains = Enumerable.Range(0, 25).Select(i => GrainId.Create("test-grain", $"rot-{i}")).ToList();
            foreach (var g in grains)
            {
                await old.Grains.WriteStateAsync("state", g, new GrainState<TestState> { State = new TestState { Text = g.ToString() } });
            }

            await using var rotating = await old.WithRingAsync(TestKeys.Ring("k2", ("k1", k1), ("k2", k2)));
            var result = await rotating.Rotation.RotateAsync(CancellationToken.None);
            Assert.True(result.Complete);
            Assert.Equal(26, result.Examined);
            Assert.Equal(26, result.Resealed);
            Assert.Equal("k2", result.PrimaryKeyId);
            Assert.All(await KeyIdsAsync(old), kv => Assert.Equal("k2", kv.Value));

            // Running it again finds nothing to do.
            var again = await rotating.Rotation.RotateAsync(CancellationToken.None);
            Assert.Equal(0, again.Resealed);
            Assert.Equal(26, again.AlreadyCurrent);

            // k1 removed: everything still opens.
            await using var after = await old.WithRingAsync(TestKeys.Ring("k2", ("k2", k2)));
            foreach (var g in grains)
            {
                var read = new GrainState<TestState> { State = new TestState() };
                await after.Grains.ReadStateAsync("state", g, read);
                Assert.Equal(g.ToString(), read.State.Text);
            }
        }, old.Processes);
    }

    [Fact]
    public async Task AGrainWhoseObjectWasResealedKeepsWritingButAStaleActivationIsStillRejected()
    {
        var k1 = TestKeys.New();
        var k2 = TestKeys.New();
        await using var old = await StorageHarness.StartAsync(Backend.S3, TestKeys.Ring("k1", ("k1", k1)));
        await InfraAssert.WithOutputAsync(async () =>
        {
            var grain = GrainId.Create("test-grain", "resealed");
            var active = new GrainState<TestState> { State = new TestState { Counter = 1 } };
            await old.Grains.WriteStateAsync("state", grain, active);
            var stale = new GrainState<TestState> { State = new TestState { Counter = -1 }, ETag = active.ETag };
            active.State.Counter = 2;
            await old.Grains.WriteStateAsync("state", grain, active);

            await using var rotating = await old.WithRingAsync(TestKeys.Ring("k2", ("k1", k1), ("k2", k2)));
            Assert.Equal(2, (await rotating.Rotation.RotateAsync(CancellationToken.None)).Resealed); // the grain and the naming key

            // The active grain's ETag predates the re-seal, yet its write goes through.
            active.State.Counter = 3;
            await rotating.Grains.WriteStateAsync("state", grain, active);

            // A genuinely stale activation still loses.
            await Assert.ThrowsAsync<InconsistentStateException>(() => rotating.Grains.WriteStateAsync("state", grain, stale));
            await Assert.ThrowsAsync<InconsistentStateException>(() => rotating.Grains.ClearStateAsync("state", grain, stale));

            var read = new GrainState<TestState> { State = new TestState() };
            await rotating.Grains.ReadStateAsync("state", grain, read);
            Assert.Equal(3, read.State.Counter);
            Assert.Equal(active.ETag, read.ETag);
        }, old.Processes);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RotationDuringLiveWritesLosesNothing(Backend backend)
    {
        var k1 = TestKeys.New();
        var k2 = TestKeys.New();
        await using var old = await StorageHarness.StartAsync(backend, TestKeys.Ring("k1", ("k1", k1)));
        await InfraAssert.WithOutputAsync(async () =>
        {
            const int Grains = 16;
            const int WritesPerGrain = 12;
            var grains = Enumerable.Range(0, Grains).Select(i => GrainId.Create("test-grain", $"live-{i}")).ToList();
            foreach (var g in grains)
            {
                await old.Grains.WriteStateAsync("state", g, new GrainState<TestState> { State = new TestState { Counter = 0 } });
            }

            // Every silo now has k2 as primary; the grains are active (hold ETags from before the rotation).
            await using var live = await old.WithRingAsync(TestKeys.Ring("k2", ("k1", k1), ("k2", k2)));
            var states = new ConcurrentDictionary<GrainId, GrainState<TestState>>();
            foreach (var g in grains)
            {
                var s = new GrainState<TestState> { State = new TestState() };
                await live.Grains.ReadStateAsync("state", g, s);
                states[g] = s;
            }

            // Writers start staggered and keep writing until the rotation is over, so some objects are re-sealed
            // under an active grain and some grains rewrite an object the rotation is about to re-seal.
            using var go = new ManualResetEventSlim();
            var rotationDone = 0;
            var lastWritten = new ConcurrentDictionary<GrainId, int>();
            var writers = grains.Select((g, index) => Task.Run(async () =>
            {
                go.Wait();
                await Task.Delay(index * 3);
                var s = states[g];
                for (var i = 1; i <= WritesPerGrain || Volatile.Read(ref rotationDone) == 0; i++)
                {
                    s.State!.Counter = i;
                    await live.Grains.WriteStateAsync("state", g, s);
                    lastWritten[g] = i;
                }
            })).ToList();
            var rotation = Task.Run(async () =>
            {
                go.Wait();
                try
                {
                    return await live.Rotation.RotateAsync(CancellationToken.None);
                }
                finally
                {
                    Volatile.Write(ref rotationDone, 1);
                }
            });
            go.Set();
            await Task.WhenAll(writers);
            var result = await rotation;
            Assert.True(result.Complete, $"rotation incomplete: {result}");
            var resealedUnderAWriter = live.Logs.Entries.Count(e => e.Message.Contains("re-sealed by a key rotation since it was read", StringComparison.Ordinal));
            output.WriteLine($"{backend}: {result}; writes that found their object re-sealed and retried: {resealedUnderAWriter}");

            // Whatever the interleaving, the old key is no longer needed and every last write is there.
            Assert.All(await KeyIdsAsync(old), kv => Assert.Equal("k2", kv.Value));
            await using var after = await old.WithRingAsync(TestKeys.Ring("k2", ("k2", k2)));
            foreach (var g in grains)
            {
                var read = new GrainState<TestState> { State = new TestState() };
                await after.Grains.ReadStateAsync("state", g, read);
                Assert.Equal(lastWritten[g], read.State.Counter);
                Assert.Equal(states[g].ETag, read.ETag);
            }
        }, old.Processes);
    }

    [Fact]
    public async Task RotationLeavesForeignObjectsInTheBucketAlone()
    {
        var k1 = TestKeys.New();
        await using var old = await StorageHarness.StartAsync(Backend.S3, TestKeys.Ring("k1", ("k1", k1)));
        await InfraAssert.WithOutputAsync(async () =>
        {
            await old.Grains.WriteStateAsync("state", GrainId.Create("test-grain", "x"), new GrainState<TestState> { State = new TestState() });
            var foreign = System.Text.Encoding.UTF8.GetBytes("someone else's file");
            await old.PutRawAsync("readme.txt", foreign);

            await using var rotating = await old.WithRingAsync(TestKeys.Ring("k2", ("k1", k1), ("k2", TestKeys.New())));
            var result = await rotating.Rotation.RotateAsync(CancellationToken.None);
            Assert.True(result.Complete, result.ToString());
            Assert.Equal(2, result.Resealed);
            Assert.Equal(foreign, await old.GetRawAsync("readme.txt"));
        }, old.Processes);
    }
}
