using Coordinator.Storage.Internal;

namespace Coordinator.Storage.Tests;

/// <summary>The local-directory backend's own guarantees, beyond the shared conformance cases.</summary>
public sealed class DirectoryStoreTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "coordinator-storage-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task AWriteWaitsWhileAnotherProcessHoldsTheLockFile()
    {
        var store = new DirectoryObjectStore(directory);
        var etag = await store.PutAsync("state-a", [1, 2, 3], null, CancellationToken.None);

        // An exclusive lock on the lock file, as another process sharing the directory would hold it.
        Task<string> write;
        using (new FileStream(Path.Combine(directory, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            write = store.PutAsync("state-a", [4, 5, 6], etag, CancellationToken.None);
            await Task.Delay(300);
            Assert.False(write.IsCompleted);
            Assert.Equal([1, 2, 3], (await store.GetAsync("state-a", CancellationToken.None))!.Data);
        }

        var newETag = await write.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotEqual(etag, newETag);
        Assert.Equal([4, 5, 6], (await store.GetAsync("state-a", CancellationToken.None))!.Data);
    }

    [Fact]
    public async Task ETagsFollowTheContentAndConditionsAreEnforced()
    {
        var store = new DirectoryObjectStore(directory);
        var first = await store.PutAsync("state-b", [9], null, CancellationToken.None);
        await Assert.ThrowsAsync<PreconditionFailedException>(() => store.PutAsync("state-b", [8], null, CancellationToken.None));
        await Assert.ThrowsAsync<PreconditionFailedException>(() => store.PutAsync("state-b", [8], "\"other\"", CancellationToken.None));
        await Assert.ThrowsAsync<PreconditionFailedException>(() => store.PutAsync("state-missing", [8], first, CancellationToken.None));
        await Assert.ThrowsAsync<PreconditionFailedException>(() => store.DeleteAsync("state-b", "\"other\"", CancellationToken.None));
        Assert.Equal(first, (await store.GetAsync("state-b", CancellationToken.None))!.ETag);
        await store.DeleteAsync("state-b", first, CancellationToken.None);
        Assert.Null(await store.GetAsync("state-b", CancellationToken.None));

        // No temporary files are left behind, and only objects are listed.
        await store.PutAsync("state-c", [7], null, CancellationToken.None);
        Assert.Equal(["state-c"], await store.ListAsync(CancellationToken.None).ToListAsync());
        Assert.DoesNotContain(Directory.EnumerateFiles(directory), f => Path.GetFileName(f).StartsWith(".tmp-", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData(".lock")]
    [InlineData("")]
    public async Task NamesThatCouldEscapeTheDirectoryAreRejected(string name)
    {
        var store = new DirectoryObjectStore(directory);
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(name, [1], null, CancellationToken.None));
    }

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
