using Coordinator.Testing;
using Orleans.Runtime;
using Orleans.Storage;

namespace Coordinator.Storage.Tests;

/// <summary>
/// Someone with write access to the bucket changes a sealed object. Every change must make the read fail with a
/// clear error, and the provider must not overwrite the object as a result.
/// </summary>
public sealed class TamperTests
{
    private static readonly GrainId Grain = GrainId.Create("test-grain", "tamper");

    private static async Task<(StorageHarness H, string Name, byte[] Original, string Key)> ArrangeAsync()
    {
        var key = TestKeys.New();
        var h = await StorageHarness.StartAsync(Backend.S3, TestKeys.Ring("k1", ("k1", key)));
        var state = new GrainState<TestState> { State = new TestState { Text = "secret material", Counter = 7 } };
        await h.Grains.WriteStateAsync("state", Grain, state);
        var name = h.Storage.ObjectName("state", Grain);
        var original = await h.GetRawAsync(name) ?? throw new InvalidOperationException("the state object is missing");
        return (h, name, original, key);
    }

    private static async Task<EncryptedStorageException> ReadFailsAsync(StorageHarness h, GrainId grain)
    {
        var read = new GrainState<TestState> { State = new TestState() };
        var e = await Assert.ThrowsAsync<EncryptedStorageException>(() => h.Grains.ReadStateAsync("state", grain, read));
        Assert.Null(read.ETag);
        return e;
    }

    [Fact]
    public async Task FlippingAnySingleByteMakesTheReadFail()
    {
        var (h, name, original, key) = await ArrangeAsync();
        await using var _ = h;
        await InfraAssert.WithOutputAsync(async () =>
        {
            Assert.InRange(original.Length, 60, 400);
            for (var i = 0; i < original.Length; i++)
            {
                var tampered = (byte[])original.Clone();
                tampered[i] ^= (byte)(1 << (i % 8));
                await h.PutRawAsync(name, tampered);
                var e = await ReadFailsAsync(h, Grain);
                Assert.Contains(Grain.ToString(), e.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(key, e.ToString(), StringComparison.Ordinal);
                Assert.Equal(Grain.ToString(), e.GrainId);
            }

            // The original still opens: the failures were about the bytes, not the provider.
            await h.PutRawAsync(name, original);
            var read = new GrainState<TestState> { State = new TestState() };
            await h.Grains.ReadStateAsync("state", Grain, read);
            Assert.Equal("secret material", read.State.Text);
        }, h.Processes);
    }

    [Fact]
    public async Task TruncatedObjectsFailToOpenAndAreNotOverwritten()
    {
        var (h, name, original, _) = await ArrangeAsync();
        await using var _ = h;
        await InfraAssert.WithOutputAsync(async () =>
        {
            foreach (var length in new[] { 0, 1, 2, 4, 30, 44, original.Length - 17, original.Length - 1 })
            {
                var truncated = original[..length];
                await h.PutRawAsync(name, truncated);
                var e = await ReadFailsAsync(h, Grain);
                Assert.Contains("could not open", e.Message, StringComparison.Ordinal);

                // A fresh activation (no ETag) trying to write cannot overwrite what it could not open.
                var blind = new GrainState<TestState> { State = new TestState { Text = "overwrite attempt" } };
                await Assert.ThrowsAsync<InconsistentStateException>(() => h.Grains.WriteStateAsync("state", Grain, blind));
                Assert.Equal(truncated, await h.GetRawAsync(name));
            }
        }, h.Processes);
    }

    [Fact]
    public async Task SwappingTwoObjectsMakesBothReadsFail()
    {
        var (h, nameA, originalA, _) = await ArrangeAsync();
        await using var _ = h;
        await InfraAssert.WithOutputAsync(async () =>
        {
            var grainB = GrainId.Create("test-grain", "tamper-b");
            await h.Grains.WriteStateAsync("state", grainB, new GrainState<TestState> { State = new TestState { Text = "b" } });
            var nameB = h.Storage.ObjectName("state", grainB);
            var originalB = (await h.GetRawAsync(nameB))!;

            await h.PutRawAsync(nameA, originalB);
            await h.PutRawAsync(nameB, originalA);
            var eA = await ReadFailsAsync(h, Grain);
            var eB = await ReadFailsAsync(h, grainB);
            Assert.Contains("failed authentication with key id 'k1'", eA.Message, StringComparison.Ordinal);
            Assert.Contains("copied from another object", eB.Message, StringComparison.Ordinal);
            Assert.Equal(originalB, await h.GetRawAsync(nameA));
            Assert.Equal(originalA, await h.GetRawAsync(nameB));
        }, h.Processes);
    }
}
