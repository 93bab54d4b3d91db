namespace Coordinator.Storage;

/// <summary>
/// Checks one encrypted grain storage provider end to end, for operators: runs the conditional-write probe the
/// provider runs at start-up, then reads and opens every object of the provider. Resolve it from the silo's services
/// by provider name: <c>services.GetRequiredKeyedService&lt;IStorageCheck&gt;("name")</c>.
/// </summary>
/// <remarks>
/// Read-only apart from the probe object it creates and deletes. Reports counts, key ids and object names (keyed
/// hashes, which reveal no grain or domain); never key material or plaintext. Safe to run while the cluster serves.
/// Honours cancellation between objects.
/// </remarks>
public interface IStorageCheck
{
    /// <summary>Probes conditional writes and opens every object.</summary>
    Task<StorageCheckResult> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>What one <see cref="IStorageCheck.CheckAsync"/> run found.</summary>
/// <param name="Location">Where the objects live (bucket/prefix or directory); never credentials.</param>
/// <param name="ConditionalWriteFailure">Null when the store refused both conditional writes it must refuse; else what it failed to refuse.</param>
/// <param name="Objects">Objects of the provider that were read (the naming key and grain state).</param>
/// <param name="Readable">Objects that opened with a key of the ring.</param>
/// <param name="Unreadable">Objects that did not open (unknown key id, failed authentication, malformed).</param>
/// <param name="Skipped">Other objects in the bucket/prefix (probe leftovers, objects of something else): not read.</param>
/// <param name="ObjectsByKeyId">How many objects each key id sealed (from the envelopes, readable or not).</param>
/// <param name="PrimaryKeyId">The key id new writes are sealed with.</param>
/// <param name="Problems">One line per unreadable object (its name and the reason), at most 100.</param>
public sealed record StorageCheckResult(
    string Location,
    string? ConditionalWriteFailure,
    int Objects,
    int Readable,
    int Unreadable,
    int Skipped,
    IReadOnlyDictionary<string, int> ObjectsByKeyId,
    string PrimaryKeyId,
    IReadOnlyList<string> Problems)
{
    /// <summary>Whether the store honours <c>If-None-Match: *</c> and <c>If-Match</c>.</summary>
    public bool ConditionalWritesHonoured => ConditionalWriteFailure is null;

    /// <summary>True when conditional writes are honoured and every object opened.</summary>
    public bool Healthy => ConditionalWritesHonoured && Unreadable == 0;
}
