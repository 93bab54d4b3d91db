using Coordinator.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Coordinator.Storage.Tests;

/// <summary>What an operator sees at start-up: option validation and the conditional-write probe.</summary>
public sealed class StartupTests
{
    private static string ValidationMessage(Action<EncryptedS3StorageOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddEncryptedS3GrainStorage("store", (EncryptedS3StorageOptions o) =>
        {
            o.BucketName = "bucket";
            o.ServiceUrl = "http://127.0.0.1:9000";
            o.KeyRing = TestKeys.Ring("k1", ("k1", TestKeys.New()));
            configure(o);
        });
        using var provider = services.BuildServiceProvider();
        var validators = provider.GetServices<IConfigurationValidator>().ToList();
        Assert.Single(validators);
        var e = Assert.Throws<OrleansConfigurationException>(() => validators[0].ValidateConfiguration());
        Assert.Contains("'store'", e.Message, StringComparison.Ordinal);
        return e.Message;
    }

    [Fact]
    public void KeyOfTheWrongLengthIsNamedWithoutItsValue()
    {
        var shortKey = Convert.ToBase64String(new byte[16] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 });
        var message = ValidationMessage(o => o.KeyRing.Keys["k1"] = shortKey);
        Assert.Contains("KeyRing:Keys:k1", message, StringComparison.Ordinal);
        Assert.Contains("16 bytes", message, StringComparison.Ordinal);
        Assert.DoesNotContain(shortKey, message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyThatIsNotBase64IsNamed()
    {
        var message = ValidationMessage(o => o.KeyRing.Keys["k1"] = "not base64 at all!");
        Assert.Contains("KeyRing:Keys:k1 is not valid base64", message, StringComparison.Ordinal);
        Assert.DoesNotContain("not base64 at all!", message, StringComparison.Ordinal);
    }

    [Fact]
    public void PrimaryKeyIdMustNameAKeyInTheRing()
    {
        var message = ValidationMessage(o => o.KeyRing.PrimaryKeyId = "k9");
        Assert.Contains("KeyRing:PrimaryKeyId is 'k9'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingBucketIsNamed() =>
        Assert.Contains("BucketName is not set", ValidationMessage(o => o.BucketName = null), StringComparison.Ordinal);

    [Fact]
    public void BadEndpointIsNamed() =>
        Assert.Contains("ServiceUrl 'localhost:9000' is not an absolute http:// or https:// URL", ValidationMessage(o => o.ServiceUrl = "localhost:9000"), StringComparison.Ordinal);

    [Fact]
    public void HalfTheCredentialsIsRejected() =>
        Assert.Contains("AccessKey and SecretKey must be set together", ValidationMessage(o => o.AccessKey = "id"), StringComparison.Ordinal);

    [Fact]
    public async Task AStoreThatIgnoresConditionalWritesIsRefused()
    {
        var s3 = await SharedInfrastructure.S3IgnoringConditionsAsync();
        await using var h = await StorageHarness.CreateAsync(Backend.S3, TestKeys.Ring("k1", ("k1", TestKeys.New())), server: s3);
        await InfraAssert.WithOutputAsync(async () =>
        {
            var e = await Assert.ThrowsAsync<EncryptedStorageException>(() => h.Storage.InitializeAsync(CancellationToken.None));
            Assert.Contains("ignores conditional writes", e.Message, StringComparison.Ordinal);
            Assert.Contains("AllowStoreWithoutConditionalWrites", e.Message, StringComparison.Ordinal);

            // The probe cleaned up after itself, and no naming key was created on the refused store.
            Assert.Empty(await h.RawObjectsAsync());
        }, s3.Process);
    }

    [Fact]
    public async Task TheOptOutStartsButWarnsOnEveryStart()
    {
        var s3 = await SharedInfrastructure.S3IgnoringConditionsAsync();
        var ring = TestKeys.Ring("k1", ("k1", TestKeys.New()));
        var bucket = await s3.CreateBucketAsync("optout");
        await InfraAssert.WithOutputAsync(async () =>
        {
            for (var start = 0; start < 2; start++)
            {
                await using var h = await StorageHarness.CreateAsync(Backend.S3, ring, bucket, o => o.AllowStoreWithoutConditionalWrites = true, s3);
                await h.Storage.InitializeAsync(CancellationToken.None);
                var warnings = h.Logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
                var warning = Assert.Single(warnings);
                Assert.Contains("IGNORES conditional writes", warning, StringComparison.Ordinal);

                var grain = GrainId.Create("test-grain", "optout");
                var state = new GrainState<TestState> { State = new TestState { Counter = start } };
                if (start == 1)
                {
                    await h.Grains.ReadStateAsync("state", grain, state);
                    Assert.Equal(0, state.State.Counter);
                    state.State.Counter = 1;
                }

                await h.Grains.WriteStateAsync("state", grain, state);
            }
        }, s3.Process);
    }

    [Fact]
    public async Task AConditionalStorePassesTheProbeAndKeepsOnlyTheNamingKey()
    {
        await using var h = await StorageHarness.StartAsync(Backend.S3, TestKeys.Ring("k1", ("k1", TestKeys.New())));
        await InfraAssert.WithOutputAsync(async () =>
        {
            var objects = await h.RawObjectsAsync();
            Assert.Equal(["naming-key"], objects.Select(o => o.Name));
            Assert.DoesNotContain(h.Logs.Entries, e => e.Level >= LogLevel.Warning);
        }, h.Processes);
    }

    [Fact]
    public async Task AMissingBucketFailsTheStartNamingTheBucket()
    {
        var s3 = await SharedInfrastructure.S3Async();
        await using var h = await StorageHarness.CreateAsync(Backend.S3, TestKeys.Ring("k1", ("k1", TestKeys.New())), "no-such-bucket-here", server: s3);
        var e = await Assert.ThrowsAsync<EncryptedStorageException>(() => h.Storage.InitializeAsync(CancellationToken.None));
        Assert.Contains("S3 bucket 'no-such-bucket-here'", e.Message, StringComparison.Ordinal);
        Assert.Contains("BucketName", e.Message, StringComparison.Ordinal);
    }
}
