using System.Collections.Concurrent;
using Coordinator.Storage.Internal;
using Coordinator.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Storage;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Coordinator.Storage.Tests;

/// <summary>Configures the provider in each TestCluster silo from the cluster's configuration properties.</summary>
public sealed class EncryptedStorageSiloConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder) =>
        siloBuilder.AddEncryptedS3GrainStorage(PersistentCounterGrain.StorageName, o => o.BindConfiguration("Coordinator:Storage"));
}

/// <summary>Real silos (Orleans TestCluster, 2 silos) persisting grain state through the provider on the real S3 server.</summary>
public sealed class ClusterTests
{
    private static async Task<TestCluster> DeployAsync(Testing.S3Server s3, string bucket, KeyRingOptions ring, int silos = 2, bool allowUnconditional = false, string? serviceUrl = null)
    {
        var builder = new TestClusterBuilder((short)silos);
        builder.Options.ServiceId = $"storage-{Guid.NewGuid():N}";
        var p = builder.Properties;
        p["Coordinator:Storage:ServiceUrl"] = serviceUrl ?? s3.Endpoint.ToString();
        p["Coordinator:Storage:BucketName"] = bucket;
        p["Coordinator:Storage:AccessKey"] = s3.AccessKey;
        p["Coordinator:Storage:SecretKey"] = s3.SecretKey;
        p["Coordinator:Storage:UseChunkEncoding"] = (!s3.RequiresPlainBodies).ToString();
        p["Coordinator:Storage:AllowStoreWithoutConditionalWrites"] = allowUnconditional.ToString();
        p["Coordinator:Storage:KeyRing:PrimaryKeyId"] = ring.PrimaryKeyId!;
        foreach (var (id, key) in ring.Keys)
        {
            p[$"Coordinator:Storage:KeyRing:Keys:{id}"] = key;
        }

        builder.AddSiloBuilderConfigurator<EncryptedStorageSiloConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    [Fact]
    public async Task StateSurvivesDeactivationAndTheLossOfASilo()
    {
        var s3 = await SharedInfrastructure.S3Async();
        var bucket = await s3.CreateBucketAsync("cluster");
        var ring = TestKeys.Ring("k1", ("k1", TestKeys.New()));
        await InfraAssert.WithOutputAsync(async () =>
        {
            await using var cluster = await DeployAsync(s3, bucket, ring);
            var names = Enumerable.Range(0, 24).Select(i => $"site{i}.example.test").ToList();
            var silosByGrain = new Dictionary<string, string>();
            foreach (var name in names)
            {
                var grain = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>(name);
                Assert.Equal(1, await grain.IncrementAsync());
                Assert.Equal(2, await grain.IncrementAsync());
                silosByGrain[name] = await grain.SiloAsync();
            }

            // Deactivation: the next activation reads the state back from the bucket.
            var first = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>(names[0]);
            await first.DeactivateAsync();
            await Task.Delay(200);
            Assert.Equal(3, await first.IncrementAsync());

            // Silo loss: every grain that lived on the killed silo comes back elsewhere with its state.
            var victim = cluster.SecondarySilos[0];
            var lost = names.Where(n => silosByGrain[n] == victim.SiloAddress.ToString()).ToList();
            Assert.NotEmpty(lost);
            await cluster.KillSiloAsync(victim);
            foreach (var name in lost)
            {
                var state = await cluster.GrainFactory.GetGrain<IPersistentCounterGrain>(name).GetAsync();
                Assert.Equal(name == names[0] ? 3 : 2, state.Count);
                Assert.Equal(name, state.Domain);
                Assert.Equal(32, state.PrivateKey.Length);
            }

            await cluster.StopAllSilosAsync();
        }, s3.Process);
    }

    [Fact]
    public async Task KeyRotationInARunningClusterLosesNoWrite()
    {
        var s3 = await SharedInfrastructure.S3Async();
        var bucket = await s3.CreateBucketAsync("clusterrot");
        var k1 = TestKeys.New();
        var k2 = TestKeys.New();
        var names = Enumerable.Range(0, 12).Select(i => $"rot{i}.example.test").ToList();
        await InfraAssert.WithOutputAsync(async () =>
        {
            // Yesterday: the cluster ran with k1 only.
            await using (var before = await DeployAsync(s3, bucket, TestKeys.Ring("k1", ("k1", k1)), silos: 1))
            {
                foreach (var name in names)
                {
                    await before.GrainFactory.GetGrain<IPersistentCounterGrain>(name).IncrementAsync();
                }

                await before.StopAllSilosAsync();
            }

            // Today: k2 is added as primary on every silo; the operator rotates while grains keep writing.
            await using var cluster = await DeployAsync(s3, bucket, TestKeys.Ring("k2", ("k1", k1), ("k2", k2)));
            var rotation = ((InProcessSiloHandle)cluster.Primary!).SiloHost.Services.GetRequiredKeyedService<IKeyRotation>(PersistentCounterGrain.StorageName);
            var counts = new ConcurrentDictionary<string, int>();
            var writers = names.Select(name => Task.Run(async () =>
            {
                var grain = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>(name);
                for (var i = 0; i < 8; i++)
                {
                    counts[name] = await grain.IncrementAsync();
                }
            })).ToList();
            var result = await rotation.RotateAsync(CancellationToken.None);
            await Task.WhenAll(writers);
            Assert.True(result.Complete, result.ToString());
            Assert.All(counts.Values, c => Assert.Equal(9, c));
            await cluster.StopAllSilosAsync();

            // Tomorrow: k1 is gone from the configuration; everything still reads.
            await using var harness = await StorageHarness.StartAsync(Backend.S3, TestKeys.Ring("k2", ("k2", k2)), bucket);
            Assert.All(await harness.RawObjectsAsync(), o => Assert.Equal("k2", Envelope.PeekKeyId(o.Data)));
            await using var after = await DeployAsync(s3, bucket, TestKeys.Ring("k2", ("k2", k2)), silos: 1);
            foreach (var name in names)
            {
                Assert.Equal(9, (await after.GrainFactory.GetGrain<IPersistentCounterGrain>(name).GetAsync()).Count);
            }

            await after.StopAllSilosAsync();
        }, s3.Process);
    }

    [Fact]
    public async Task ASiloOnAStoreThatIgnoresConditionalWritesFailsToStart()
    {
        var s3 = await SharedInfrastructure.S3IgnoringConditionsAsync();
        var bucket = await s3.CreateBucketAsync("clusternocond");
        await InfraAssert.WithOutputAsync(async () =>
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => DeployAsync(s3, bucket, TestKeys.Ring("k1", ("k1", TestKeys.New())), silos: 1));
            Assert.Contains("ignores conditional writes", e.ToString(), StringComparison.Ordinal);
        }, s3.Process);
    }

    [Fact]
    public async Task ASiloWithBadSettingsFailsToStartNamingThem()
    {
        var s3 = await SharedInfrastructure.S3Async();
        var shortKey = Convert.ToBase64String(new byte[31]);
        var e = await Assert.ThrowsAnyAsync<Exception>(() =>
            DeployAsync(s3, "Bad_Bucket", TestKeys.Ring("k1", ("k1", shortKey)), silos: 1, serviceUrl: "127.0.0.1:9000"));
        var text = e.ToString();
        Assert.Contains("KeyRing:Keys:k1 decodes to 31 bytes", text, StringComparison.Ordinal);
        Assert.Contains("BucketName 'Bad_Bucket' is not a valid S3 bucket name", text, StringComparison.Ordinal);
        Assert.Contains("ServiceUrl '127.0.0.1:9000' is not an absolute http:// or https:// URL", text, StringComparison.Ordinal);
        Assert.DoesNotContain(shortKey, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATamperedStateFailsTheGrainCallWithTheProvidersErrorAndIsNotOverwritten()
    {
        var s3 = await SharedInfrastructure.S3Async();
        var bucket = await s3.CreateBucketAsync("clustertamper");
        var ring = TestKeys.Ring("k1", ("k1", TestKeys.New()));
        await InfraAssert.WithOutputAsync(async () =>
        {
            await using var cluster = await DeployAsync(s3, bucket, ring, silos: 1);
            var grain = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("tampered.example.test");
            await grain.IncrementAsync();
            await grain.DeactivateAsync();
            await Task.Delay(200);

            await using var raw = await StorageHarness.StartAsync(Backend.S3, ring, bucket);
            var name = raw.Storage.ObjectName("counter", grain.GetGrainId());
            var sealedBytes = (await raw.GetRawAsync(name))!;
            sealedBytes[^1] ^= 0x40;
            await raw.PutRawAsync(name, sealedBytes);

            var e = await Assert.ThrowsAsync<EncryptedStorageException>(() => grain.IncrementAsync());
            Assert.Contains("could not open the state 'counter' of grain", e.Message, StringComparison.Ordinal);
            Assert.Contains("tampered.example.test", e.Message, StringComparison.Ordinal);
            Assert.Equal(sealedBytes, await raw.GetRawAsync(name));
            await cluster.StopAllSilosAsync();
        }, s3.Process);
    }

    [Fact]
    public async Task AStoreFailureReachesTheCallerAsTheProvidersException()
    {
        var s3 = await SharedInfrastructure.S3Async();
        var bucket = await s3.CreateBucketAsync("clustergone");
        var ring = TestKeys.Ring("k1", ("k1", TestKeys.New()));
        await InfraAssert.WithOutputAsync(async () =>
        {
            await using var cluster = await DeployAsync(s3, bucket, ring, silos: 1);
            var grain = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("gone.example.test");
            await grain.IncrementAsync();
            await grain.DeactivateAsync();
            await Task.Delay(200);

            // The bucket disappears under the running silo.
            using var client = s3.CreateClient();
            var listed = await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket });
            foreach (var o in listed.S3Objects ?? [])
            {
                await client.DeleteObjectAsync(bucket, o.Key);
            }

            await client.DeleteBucketAsync(bucket);

            var e = await Assert.ThrowsAsync<EncryptedStorageException>(() => grain.IncrementAsync());
            Assert.True(e.Message.Contains("failed to read the state 'counter' of grain", StringComparison.Ordinal), e.Message);
            Assert.True(e.Message.Contains($"S3 bucket '{bucket}'", StringComparison.Ordinal), e.Message);
            Assert.NotNull(e.InnerException);
            await cluster.StopAllSilosAsync();
        }, s3.Process);
    }

    [Fact]
    public async Task AStaleActivationsWriteReachesTheCallerAsInconsistentState()
    {
        var s3 = await SharedInfrastructure.S3Async();
        var bucket = await s3.CreateBucketAsync("clusterstale");
        var ring = TestKeys.Ring("k1", ("k1", TestKeys.New()));
        await InfraAssert.WithOutputAsync(async () =>
        {
            await using var cluster = await DeployAsync(s3, bucket, ring, silos: 1);
            var grain = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("stale.example.test");
            Assert.Equal(1, await grain.IncrementAsync());

            // Another writer (as a second activation would) replaces the state behind the active grain's back.
            await using var other = await StorageHarness.StartAsync(Backend.S3, ring, bucket);
            var id = grain.GetGrainId();
            var state = new GrainState<CounterState> { State = new CounterState() };
            await other.Grains.ReadStateAsync("counter", id, state);
            state.State.Count = 100;
            await other.Grains.WriteStateAsync("counter", id, state);

            await Assert.ThrowsAsync<InconsistentStateException>(() => grain.IncrementAsync());
            var after = new GrainState<CounterState> { State = new CounterState() };
            await other.Grains.ReadStateAsync("counter", id, after);
            Assert.Equal(100, after.State.Count);
            await cluster.StopAllSilosAsync();
        }, s3.Process);
    }
}
