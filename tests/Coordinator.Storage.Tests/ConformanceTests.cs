using Coordinator.Testing;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Coordinator.Storage.Tests;

/// <summary>
/// The conformance cases of Orleans' persistence test kit (GrainStorageTestRunner), against both backends:
/// the real S3 server (patched fauxqs, honouring conditional writes) and a local directory.
/// </summary>
public sealed class ConformanceTests
{
    public static TheoryData<Backend> Backends => [Backend.S3, Backend.Directory];

    private static GrainId NewGrain(string prefix = "g") => GrainId.Create("test-grain", $"{prefix}-{Guid.NewGuid():N}");

    private static async Task RunAsync(Backend backend, Func<StorageHarness, Task> test)
    {
        await using var h = await StorageHarness.StartAsync(backend, TestKeys.Ring("k1", ("k1", TestKeys.New())));
        await InfraAssert.WithOutputAsync(() => test(h), h.Processes);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public Task ReadOfAMissingGrainReportsNoRecordAndAFreshState(Backend backend) => RunAsync(backend, async h =>
    {
        var state = new GrainState<TestState> { State = new TestState { Text = "left over in memory" }, ETag = "stale" };
        await h.Grains.ReadStateAsync("state", NewGrain(), state);
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal("", state.State.Text);
    });

    [Theory]
    [MemberData(nameof(Backends))]
    public Task WriteThenReadRoundTripsStateAndETag(Backend backend) => RunAsync(backend, async h =>
    {
        var grain = NewGrain("Кириллица");
        var written = new GrainState<TestState> { State = TestState.Random() };
        written.State.Names.Add("ünïcødé.example");
        await h.Grains.WriteStateAsync("state", grain, written);
        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);

        var read = new GrainState<TestState> { State = new TestState() };
        await h.Grains.ReadStateAsync("state", grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        written.State.AssertSameAs(read.State);

        // A second write through the ETag just read succeeds and changes the ETag.
        var before = read.ETag;
        read.State.Counter++;
        await h.Grains.WriteStateAsync("state", grain, read);
        Assert.NotEqual(before, read.ETag);

        // Another state name of the same grain is another record.
        var other = new GrainState<TestState> { State = new TestState() };
        await h.Grains.ReadStateAsync("other", grain, other);
        Assert.False(other.RecordExists);
    });

    [Theory]
    [MemberData(nameof(Backends))]
    public Task WriteClearReadLeavesNoRecordAndAllowsANewCreate(Backend backend) => RunAsync(backend, async h =>
    {
        var grain = NewGrain();
        var state = new GrainState<TestState> { State = TestState.Random() };
        await h.Grains.WriteStateAsync("state", grain, state);
        var writtenETag = state.ETag;

        await h.Grains.ClearStateAsync("state", grain, state);
        Assert.False(state.RecordExists);
        Assert.NotEqual(writtenETag, state.ETag);

        var read = new GrainState<TestState> { State = new TestState() };
        await h.Grains.ReadStateAsync("state", grain, read);
        Assert.False(read.RecordExists);

        var again = new GrainState<TestState> { State = new TestState { Text = "again" }, ETag = state.ETag };
        await h.Grains.WriteStateAsync("state", grain, again);
        Assert.True(again.RecordExists);
        await h.Grains.ReadStateAsync("state", grain, read);
        Assert.Equal("again", read.State.Text);
    });

    [Theory]
    [MemberData(nameof(Backends))]
    public Task DuplicateCreateIsRejectedAndKeepsTheFirstState(Backend backend) => RunAsync(backend, async h =>
    {
        var grain = NewGrain();
        var first = new GrainState<TestState> { State = new TestState { Text = "first" } };
        await h.Grains.WriteStateAsync("state", grain, first);

        var second = new GrainState<TestState> { State = new TestState { Text = "second" } };
        await Assert.ThrowsAsync<InconsistentStateException>(() => h.Grains.WriteStateAsync("state", grain, second));

        var read = new GrainState<TestState> { State = new TestState() };
        await h.Grains.ReadStateAsync("state", grain, read);
        Assert.Equal("first", read.State.Text);
    });

    [Theory]
    [MemberData(nameof(Backends))]
    public Task StaleETagWriteIsRejected(Backend backend) => RunAsync(backend, async h =>
    {
        // An ETag the store never issued, on a grain that does not exist.
        var unknown = new GrainState<TestState> { State = new TestState(), ETag = Random.Shared.Next().ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await Assert.ThrowsAsync<InconsistentStateException>(() => h.Grains.WriteStateAsync("state", NewGrain(), unknown));

        // An ETag that was current once.
        var grain = NewGrain();
        var a = new GrainState<TestState> { State = new TestState { Text = "a" } };
        await h.Grains.WriteStateAsync("state", grain, a);
        var stale = new GrainState<TestState> { State = new TestState { Text = "stale" }, ETag = a.ETag };
        a.State.Text = "b";
        await h.Grains.WriteStateAsync("state", grain, a);
        await Assert.ThrowsAsync<InconsistentStateException>(() => h.Grains.WriteStateAsync("state", grain, stale));

        var read = new GrainState<TestState> { State = new TestState() };
        await h.Grains.ReadStateAsync("state", grain, read);
        Assert.Equal("b", read.State.Text);
    });

    [Theory]
    [MemberData(nameof(Backends))]
    public Task StaleETagClearIsRejected(Backend backend) => RunAsync(backend, async h =>
    {
        var grain = NewGrain();
        var a = new GrainState<TestState> { State = new TestState { Text = "a" } };
        await h.Grains.WriteStateAsync("state", grain, a);
        var stale = new GrainState<TestState> { State = new TestState(), ETag = a.ETag };
        await h.Grains.WriteStateAsync("state", grain, a);

        await Assert.ThrowsAsync<InconsistentStateException>(() => h.Grains.ClearStateAsync("state", grain, stale));
        var fresh = new GrainState<TestState> { State = new TestState() };
        await Assert.ThrowsAsync<InconsistentStateException>(() => h.Grains.ClearStateAsync("state", grain, fresh));

        var read = new GrainState<TestState> { State = new TestState() };
        await h.Grains.ReadStateAsync("state", grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal("a", read.State.Text);
    });

    [Theory]
    [MemberData(nameof(Backends))]
    public Task ParallelWritersToOneGrainExactlyOneWinsEachRound(Backend backend) => RunAsync(backend, async h =>
    {
        var grain = NewGrain();
        var seed = new GrainState<TestState> { State = new TestState { Text = "seed" } };
        await h.Grains.WriteStateAsync("state", grain, seed);
        const int Writers = 6;
        for (var round = 0; round < 8; round++)
        {
            var current = new GrainState<TestState> { State = new TestState() };
            await h.Grains.ReadStateAsync("state", grain, current);
            using var start = new ManualResetEventSlim();
            var attempts = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                var mine = new GrainState<TestState> { State = new TestState { Text = $"round {round} writer {w}" }, ETag = current.ETag };
                start.Wait();
                try
                {
                    await h.Grains.WriteStateAsync("state", grain, mine);
                    return mine.State.Text;
                }
                catch (InconsistentStateException)
                {
                    return null;
                }
            })).ToList();
            start.Set();
            var outcomes = await Task.WhenAll(attempts);
            var winners = outcomes.Where(o => o is not null).ToList();
            Assert.Single(winners);

            var read = new GrainState<TestState> { State = new TestState() };
            await h.Grains.ReadStateAsync("state", grain, read);
            Assert.Equal(winners[0]!, read.State.Text);
        }
    });

    [Theory]
    [MemberData(nameof(Backends))]
    public Task LargeStateOfOneMebibyteRoundTrips(Backend backend) => RunAsync(backend, async h =>
    {
        var grain = NewGrain();
        var state = new GrainState<TestState> { State = TestState.Random(1024 * 1024) };
        await h.Grains.WriteStateAsync("state", grain, state);
        var read = new GrainState<TestState> { State = new TestState() };
        await h.Grains.ReadStateAsync("state", grain, read);
        state.State.AssertSameAs(read.State);
        Assert.Equal(state.ETag, read.ETag);
    });

    [Theory]
    [MemberData(nameof(Backends))]
    public Task ManyGrainsWriteAndReadInParallel(Backend backend) => RunAsync(backend, async h =>
    {
        var grains = Enumerable.Range(0, 100).Select(i => (Id: NewGrain($"many{i}"), State: new GrainState<TestState> { State = TestState.Random(200) })).ToList();
        await Parallel.ForEachAsync(grains, new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (g, _) =>
        {
            for (var k = 0; k < 3; k++)
            {
                var before = g.State.ETag;
                g.State.State!.Counter = k;
                await h.Grains.WriteStateAsync("state", g.Id, g.State);
                Assert.NotEqual(before, g.State.ETag);
                var read = new GrainState<TestState> { State = new TestState() };
                await h.Grains.ReadStateAsync("state", g.Id, read);
                Assert.Equal(g.State.ETag, read.ETag);
                g.State.State.AssertSameAs(read.State);
            }
        });

        var objects = await h.RawObjectsAsync();
        Assert.Equal(100, objects.Count(o => o.Name.StartsWith("state-", StringComparison.Ordinal)));
    });
}
