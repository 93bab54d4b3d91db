using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Coordinator.Storage.Internal;

/// <summary>
/// <see cref="IObjectStore"/> on a local directory with the same guarantees as S3's conditional writes:
/// one file per object, ETag = SHA-256 of the content, every conditional write or delete done under a lock
/// (a semaphore within the process plus an exclusive lock file across processes), new content written to a
/// temporary file, flushed, then renamed over the object atomically — a reader sees the old or the new
/// version, never a torn one.
/// </summary>
internal sealed class DirectoryObjectStore : IObjectStore
{
    private const string LockFileName = ".lock";
    private const string TempPrefix = ".tmp-";
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> ProcessLocks = new(StringComparer.Ordinal);
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);
    private readonly string root;
    private readonly SemaphoreSlim processLock;

    public DirectoryObjectStore(string directory)
    {
        root = Path.GetFullPath(directory);
        Directory.CreateDirectory(root);
        processLock = ProcessLocks.GetOrAdd(root, _ => new SemaphoreSlim(1, 1));
    }

    public string Location => $"directory '{root}'";

    public string ConfigurationHint => "Check that Directory names a writable directory.";

    public async Task<StoredObject?> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var data = await File.ReadAllBytesAsync(PathOf(name), cancellationToken);
            return new StoredObject(data, ETagOf(data));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public async Task<string> PutAsync(string name, byte[] data, string? ifMatch, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        await using var held = await LockAsync(cancellationToken);
        var current = await CurrentETagAsync(path, cancellationToken);
        if (ifMatch is null ? current is not null : !string.Equals(current, ifMatch, StringComparison.Ordinal))
        {
            throw new PreconditionFailedException(ifMatch is null ? "If-None-Match: * failed: the object exists" : "If-Match failed: the object changed or is gone");
        }

        var temp = Path.Combine(root, TempPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await file.WriteAsync(data, cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        return ETagOf(data);
    }

    public async Task DeleteAsync(string name, string ifMatch, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        await using var held = await LockAsync(cancellationToken);
        var current = await CurrentETagAsync(path, cancellationToken);
        if (!string.Equals(current, ifMatch, StringComparison.Ordinal))
        {
            throw new PreconditionFailedException("If-Match delete failed: the object changed or is gone");
        }

        File.Delete(path);
    }

    public async IAsyncEnumerable<string> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        foreach (var path in Directory.EnumerateFiles(root))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(path);
            if (!name.StartsWith('.'))
            {
                yield return name;
            }
        }
    }

    private static string ETagOf(byte[] data) => "\"" + Convert.ToHexStringLower(SHA256.HashData(data)) + "\"";

    private static async Task<string?> CurrentETagAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return ETagOf(await File.ReadAllBytesAsync(path, cancellationToken));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private string PathOf(string name)
    {
        if (name.Length == 0 || name.StartsWith('.') || name.IndexOfAny(['/', '\\', '\0']) >= 0 || name is "." or "..")
        {
            throw new ArgumentException($"'{name}' is not a valid object name for the directory store.", nameof(name));
        }

        return Path.Combine(root, name);
    }

    private async Task<IAsyncDisposable> LockAsync(CancellationToken cancellationToken)
    {
        if (!await processLock.WaitAsync(LockTimeout, cancellationToken))
        {
            throw new TimeoutException($"Timed out after {LockTimeout.TotalSeconds:0} s waiting for the lock of {Location}.");
        }

        try
        {
            var deadline = Environment.TickCount64 + (long)LockTimeout.TotalMilliseconds;
            while (true)
            {
                try
                {
                    var file = new FileStream(Path.Combine(root, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    return new Held(processLock, file);
                }
                catch (IOException) when (Environment.TickCount64 < deadline)
                {
                    // Another process holds the lock file.
                    await Task.Delay(2, cancellationToken);
                }
            }
        }
        catch
        {
            processLock.Release();
            throw;
        }
    }

    private sealed class Held(SemaphoreSlim processLock, FileStream file) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await file.DisposeAsync();
            processLock.Release();
        }
    }
}
