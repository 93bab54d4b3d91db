using Coordinator.Testing;
using Orleans.Runtime;
using Orleans.Storage;

namespace Coordinator.Storage.Tests;

/// <summary>The AWSSDK.S3 settings that differ between AWS, MinIO, R2, B2 and the test servers.</summary>
public sealed class S3SettingsTests
{
    public static TheoryData<bool, S3ChecksumMode> ClientSettings => new()
    {
        { true, S3ChecksumMode.WhenSupported },
        { true, S3ChecksumMode.WhenRequired },
        { false, S3ChecksumMode.WhenSupported },
        { false, S3ChecksumMode.WhenRequired },
    };

    [Theory]
    [MemberData(nameof(ClientSettings))]
    public async Task StateRoundTripsWithEachChunkingAndChecksumSetting(bool useChunkEncoding, S3ChecksumMode checksums)
    {
        var s3 = await SharedInfrastructure.S3Async();
        await using var h = await StorageHarness.CreateAsync(Backend.S3, TestKeys.Ring("k1", ("k1", TestKeys.New())), configureS3: o =>
        {
            o.UseChunkEncoding = useChunkEncoding;
            o.RequestChecksumCalculation = checksums;
            o.ResponseChecksumValidation = checksums;
        });
        await InfraAssert.WithOutputAsync(async () =>
        {
            await h.Storage.InitializeAsync(CancellationToken.None);
            var grain = GrainId.Create("test-grain", "settings");
            var state = new GrainState<TestState> { State = TestState.Random(100_000) };
            await h.Grains.WriteStateAsync("state", grain, state);
            var read = new GrainState<TestState> { State = new TestState() };
            await h.Grains.ReadStateAsync("state", grain, read);
            state.State.AssertSameAs(read.State);
        }, s3.Process);
    }

    [Fact]
    public async Task ProvidersWithDifferentPrefixesShareABucketWithoutSeeingEachOther()
    {
        var s3 = await SharedInfrastructure.S3Async();
        var bucket = await s3.CreateBucketAsync("prefix");
        var k1 = TestKeys.New();
        await using var blue = await StorageHarness.CreateAsync(Backend.S3, TestKeys.Ring("k1", ("k1", k1)), bucket, o => o.Prefix = "blue/");
        await using var green = await StorageHarness.CreateAsync(Backend.S3, TestKeys.Ring("k1", ("k1", k1)), bucket, o => o.Prefix = "green/");
        await InfraAssert.WithOutputAsync(async () =>
        {
            await blue.Storage.InitializeAsync(CancellationToken.None);
            await green.Storage.InitializeAsync(CancellationToken.None);
            var grain = GrainId.Create("test-grain", "shared-id");
            await blue.Grains.WriteStateAsync("state", grain, new GrainState<TestState> { State = new TestState { Text = "blue" } });

            var fromGreen = new GrainState<TestState> { State = new TestState() };
            await green.Grains.ReadStateAsync("state", grain, fromGreen);
            Assert.False(fromGreen.RecordExists);

            var names = (await blue.RawObjectsAsync()).Select(o => o.Name).ToList();
            Assert.Equal(2, names.Count(n => n.StartsWith("blue/", StringComparison.Ordinal)));
            Assert.Equal(1, names.Count(n => n.StartsWith("green/", StringComparison.Ordinal)));

            await using var greenRotated = await StorageHarness.CreateAsync(
                Backend.S3, TestKeys.Ring("k2", ("k1", k1), ("k2", TestKeys.New())), bucket, o => o.Prefix = "green/");
            var result = await greenRotated.Rotation.RotateAsync(CancellationToken.None);
            Assert.Equal(1, result.Examined);
        }, s3.Process);
    }
}
