using Amazon.S3.Model;
using Coordinator.Storage.Internal;
using Coordinator.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace Coordinator.Storage.Tests;

public enum Backend
{
    S3,
    Directory,
}

/// <summary>
/// One provider instance built through the public registration (<c>AddEncryptedS3GrainStorage</c> /
/// <c>AddEncryptedDirectoryGrainStorage</c>) on a real store: the shared patched fauxqs process, or a temporary
/// directory. Several harnesses can point at the same bucket or directory with different key rings.
/// Raw access to the stored objects goes around the provider (AWSSDK.S3 directly, or file IO), like an attacker or
/// an operator with bucket access would.
/// </summary>
internal sealed class StorageHarness : IAsyncDisposable
{
    private static readonly string TempRoot = Path.Combine(Path.GetTempPath(), "coordinator-storage-tests");
    private readonly ServiceProvider services;
    private readonly bool ownsLocation;

    private StorageHarness(Backend backend, string location, S3Server? s3, ServiceProvider services, EncryptedGrainStorage storage, CollectingLoggerProvider logs, bool ownsLocation, string name)
    {
        Name = name;
        Backend = backend;
        Location = location;
        S3 = s3;
        this.services = services;
        Storage = storage;
        Logs = logs;
        this.ownsLocation = ownsLocation;
    }

    public Backend Backend { get; }

    /// <summary>The provider name.</summary>
    public string Name { get; }

    /// <summary>The bucket name or the directory.</summary>
    public string Location { get; }

    public S3Server? S3 { get; }

    public EncryptedGrainStorage Storage { get; }

    public IGrainStorage Grains => Storage;

    public IKeyRotation Rotation => services.GetRequiredKeyedService<IKeyRotation>(Name);

    public IStorageCheck Check => services.GetRequiredKeyedService<IStorageCheck>(Name);

    public CollectingLoggerProvider Logs { get; }

    public TestProcess[] Processes => S3 is null ? [] : [S3.Process];

    public static async Task<StorageHarness> CreateAsync(Backend backend, KeyRingOptions ring, string? location = null, Action<EncryptedS3StorageOptions>? configureS3 = null, S3Server? server = null, string name = "store")
    {
        var logs = new CollectingLoggerProvider();
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        collection.AddSerializer(b => b.AddAssembly(typeof(TestState).Assembly));
        S3Server? s3 = null;
        var owns = location is null;
        if (backend == Backend.S3)
        {
            s3 = server ?? await SharedInfrastructure.S3Async();
            location ??= await s3.CreateBucketAsync("enc");
            var bucket = location;
            collection.AddEncryptedS3GrainStorage(name, (EncryptedS3StorageOptions o) =>
            {
                o.ServiceUrl = s3.Endpoint.ToString();
                o.BucketName = bucket;
                o.AccessKey = s3.AccessKey;
                o.SecretKey = s3.SecretKey;
                o.UseChunkEncoding = !s3.RequiresPlainBodies;
                o.MaxErrorRetry = 0;
                o.KeyRing = ring;
                configureS3?.Invoke(o);
            });
        }
        else
        {
            location ??= Path.Combine(TempRoot, Guid.NewGuid().ToString("N"));
            var directory = location;
            collection.AddEncryptedDirectoryGrainStorage(name, (EncryptedDirectoryStorageOptions o) =>
            {
                o.Directory = directory;
                o.KeyRing = ring;
            });
        }

        var services = collection.BuildServiceProvider();
        var storage = (EncryptedGrainStorage)services.GetRequiredKeyedService<IGrainStorage>(name);
        return new StorageHarness(backend, location, s3, services, storage, logs, owns, name);
    }

    public static async Task<StorageHarness> StartAsync(Backend backend, KeyRingOptions ring, string? location = null, string name = "store")
    {
        var harness = await CreateAsync(backend, ring, location, name: name);
        await harness.Storage.InitializeAsync(CancellationToken.None);
        return harness;
    }

    /// <summary>Another provider on the same bucket or directory with another key ring, started.</summary>
    public Task<StorageHarness> WithRingAsync(KeyRingOptions ring) => StartAsync(Backend, ring, Location);

    public async Task<List<(string Name, byte[] Data)>> RawObjectsAsync()
    {
        var result = new List<(string, byte[])>();
        if (Backend == Backend.S3)
        {
            using var client = S3!.CreateClient();
            string? token = null;
            do
            {
                var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Location, ContinuationToken = token });
                foreach (var o in page.S3Objects ?? [])
                {
                    result.Add((o.Key, await GetRawAsync(o.Key) ?? throw new InvalidOperationException($"{o.Key} vanished")));
                }

                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (token is not null);
        }
        else
        {
            foreach (var path in Directory.EnumerateFiles(Location))
            {
                result.Add((Path.GetFileName(path), await File.ReadAllBytesAsync(path)));
            }
        }

        return result;
    }

    public async Task<byte[]?> GetRawAsync(string name)
    {
        if (Backend == Backend.Directory)
        {
            var path = Path.Combine(Location, name);
            return File.Exists(path) ? await File.ReadAllBytesAsync(path) : null;
        }

        using var client = S3!.CreateClient();
        try
        {
            using var response = await client.GetObjectAsync(Location, name);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer);
            return buffer.ToArray();
        }
        catch (Amazon.S3.AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Overwrites an object unconditionally, around the provider (what an attacker with bucket access can do).</summary>
    public async Task PutRawAsync(string name, byte[] data)
    {
        if (Backend == Backend.Directory)
        {
            await File.WriteAllBytesAsync(Path.Combine(Location, name), data);
            return;
        }

        using var client = S3!.CreateClient();
        var request = new PutObjectRequest { BucketName = Location, Key = name, InputStream = new MemoryStream(data) };
        S3.Prepare(request);
        await client.PutObjectAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        if (ownsLocation && Backend == Backend.Directory && Directory.Exists(Location))
        {
            Directory.Delete(Location, recursive: true);
        }
    }
}
