namespace Coordinator;

/// <summary>
/// Cluster-wide administrative operations on Coordinator's encrypted storage, for the <c>coordinator</c> tool and
/// other operator clients. Key: 0. Calls run one at a time (a rotation and a check never overlap); they can take
/// long on a large store, so give the client a response timeout to match.
/// </summary>
[Alias("coordinator.ICoordinatorAdminGrain")]
public interface ICoordinatorAdminGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Re-seals every stored object under the primary key that the silos are configured with. Safe while the
    /// cluster serves and safe to run again; only when the result is <see cref="KeyRotationReport.Complete"/> may
    /// older keys be removed from the key ring.
    /// </summary>
    [Alias("rotate-keys")]
    Task<KeyRotationReport> RotateKeysAsync();

    /// <summary>
    /// Runs the conditional-write probe against the store and opens every stored object. Reports counts and key
    /// ids, never key material or plaintext.
    /// </summary>
    [Alias("check-storage")]
    Task<StorageCheckReport> CheckStorageAsync();
}

/// <summary>What a key rotation did.</summary>
[GenerateSerializer]
[Immutable]
[Alias("coordinator.key-rotation-report")]
public sealed record KeyRotationReport
{
    /// <summary>Objects listed and read.</summary>
    [Id(0)] public int Examined { get; init; }

    /// <summary>Objects re-sealed under the primary key by this run.</summary>
    [Id(1)] public int Resealed { get; init; }

    /// <summary>Objects already sealed with the primary key.</summary>
    [Id(2)] public int AlreadyCurrent { get; init; }

    /// <summary>Re-seals that lost a race with a grain write and were retried.</summary>
    [Id(3)] public int Conflicts { get; init; }

    /// <summary>Objects deleted by their grain while the rotation ran.</summary>
    [Id(4)] public int Vanished { get; init; }

    /// <summary>Objects that could not be opened or re-sealed: they still need their old key.</summary>
    [Id(5)] public int Failed { get; init; }

    /// <summary>The key id everything was re-sealed under.</summary>
    [Id(6)] public required string PrimaryKeyId { get; init; }

    /// <summary>True when every object is sealed with <see cref="PrimaryKeyId"/>: older keys may be removed.</summary>
    [Id(7)] public bool Complete { get; init; }

    /// <summary>The silo that ran the rotation.</summary>
    [Id(8)] public string? Silo { get; init; }
}

/// <summary>What a storage check found. Carries no key material and no plaintext.</summary>
[GenerateSerializer]
[Immutable]
[Alias("coordinator.storage-check-report")]
public sealed record StorageCheckReport
{
    /// <summary>Where the objects live (bucket/prefix or directory); never credentials.</summary>
    [Id(0)] public required string Location { get; init; }

    /// <summary>Whether the store refused the conditional writes it must refuse (<c>If-None-Match: *</c>, <c>If-Match</c>).</summary>
    [Id(1)] public bool ConditionalWritesHonoured { get; init; }

    /// <summary>What the store failed to refuse, when <see cref="ConditionalWritesHonoured"/> is false.</summary>
    [Id(2)] public string? ConditionalWriteFailure { get; init; }

    /// <summary>Objects read (the naming key and grain state).</summary>
    [Id(3)] public int Objects { get; init; }

    /// <summary>Objects that opened with a key of the ring.</summary>
    [Id(4)] public int Readable { get; init; }

    /// <summary>Objects that did not open.</summary>
    [Id(5)] public int Unreadable { get; init; }

    /// <summary>Other objects sharing the bucket/prefix, not read.</summary>
    [Id(6)] public int Skipped { get; init; }

    /// <summary>How many objects each key id sealed.</summary>
    [Id(7)] public IReadOnlyDictionary<string, int> ObjectsByKeyId { get; init; } = new Dictionary<string, int>();

    /// <summary>The key id new writes are sealed with.</summary>
    [Id(8)] public required string PrimaryKeyId { get; init; }

    /// <summary>One line per unreadable object (its opaque name and the reason), at most 100.</summary>
    [Id(9)] public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>True when conditional writes are honoured and every object opened.</summary>
    [Id(10)] public bool Healthy { get; init; }

    /// <summary>The silo that ran the check.</summary>
    [Id(11)] public string? Silo { get; init; }
}
