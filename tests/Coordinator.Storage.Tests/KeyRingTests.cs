using Coordinator.Testing;
using Orleans.Runtime;
using Orleans.Storage;

namespace Coordinator.Storage.Tests;

public sealed class KeyRingTests
{
    private static readonly GrainId Grain = GrainId.Create("test-grain", "keyring");

    [Fact]
    public async Task UnknownKeyIdIsNamedInTheErrorAndTheObjectIsNotOverwritten()
    {
        var k1 = TestKeys.New();
        var k2 = TestKeys.New();
        await using var first = await StorageHarness.StartAsync(Backend.S3, TestKeys.Ring("k1", ("k1", k1)));
        await InfraAssert.WithOutputAsync(async () =>
        {
            // The store was set up under k1; then grain state was written under a newer primary k2.
            await using var newer = await first.WithRingAsync(TestKeys.Ring("k2", ("k1", k1), ("k2", k2)));
            await newer.Grains.WriteStateAsync("state", Grain, new GrainState<TestState> { State = new TestState { Text = "under k2" } });
            var name = newer.Storage.ObjectName("state", Grain);
            var before = await first.GetRawAsync(name);

            // A silo that only knows k1 cannot open it, and says which key it needs.
            var read = new GrainState<TestState> { State = new TestState() };
            var e = await Assert.ThrowsAsync<EncryptedStorageException>(() => first.Grains.ReadStateAsync("state", Grain, read));
            Assert.Contains("key id 'k2'", e.Message, StringComparison.Ordinal);
            Assert.Contains("not in the key ring", e.Message, StringComparison.Ordinal);
            Assert.Equal("k2", e.KeyId);
            Assert.DoesNotContain(k1, e.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(k2, e.ToString(), StringComparison.Ordinal);

            await Assert.ThrowsAsync<InconsistentStateException>(() =>
                first.Grains.WriteStateAsync("state", Grain, new GrainState<TestState> { State = new TestState { Text = "clobber" } }));
            Assert.Equal(before, await first.GetRawAsync(name));
        }, first.Processes);
    }

    [Fact]
    public async Task WrongKeyUnderAKnownIdFailsNamingTheKeyId()
    {
        var k1 = TestKeys.New();
        await using var right = await StorageHarness.StartAsync(Backend.S3, TestKeys.Ring("k1", ("k1", k1)));
        await InfraAssert.WithOutputAsync(async () =>
        {
            await using var writer = await right.WithRingAsync(TestKeys.Ring("k2", ("k1", k1), ("k2", TestKeys.New())));
            await writer.Grains.WriteStateAsync("state", Grain, new GrainState<TestState> { State = new TestState { Text = "real" } });
            var name = writer.Storage.ObjectName("state", Grain);
            var before = await right.GetRawAsync(name);

            var wrongK2 = TestKeys.New();
            await using var wrong = await right.WithRingAsync(TestKeys.Ring("k1", ("k1", k1), ("k2", wrongK2)));
            var read = new GrainState<TestState> { State = new TestState() };
            var e = await Assert.ThrowsAsync<EncryptedStorageException>(() => wrong.Grains.ReadStateAsync("state", Grain, read));
            Assert.Contains("failed authentication with key id 'k2'", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(wrongK2, e.ToString(), StringComparison.Ordinal);
            await Assert.ThrowsAsync<InconsistentStateException>(() =>
                wrong.Grains.WriteStateAsync("state", Grain, new GrainState<TestState> { State = new TestState { Text = "clobber" } }));
            Assert.Equal(before, await right.GetRawAsync(name));
        }, right.Processes);
    }

    [Fact]
    public async Task AStoreSetUpWithOtherKeysRefusesToStartNamingTheKeyId()
    {
        await using var first = await StorageHarness.StartAsync(Backend.Directory, TestKeys.Ring("prod-1", ("prod-1", TestKeys.New())));
        await using var other = await StorageHarness.CreateAsync(Backend.Directory, TestKeys.Ring("dev", ("dev", TestKeys.New())), first.Location);
        var e = await Assert.ThrowsAsync<EncryptedStorageException>(() => other.Storage.InitializeAsync(CancellationToken.None));
        Assert.Contains("naming key", e.Message, StringComparison.Ordinal);
        Assert.Contains("key id 'prod-1'", e.Message, StringComparison.Ordinal);
    }
}
