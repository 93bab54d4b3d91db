using Orleans.Concurrency;

namespace Coordinator;

/// <summary>
/// One shard of the registry of managed domains. The registry is split into <see cref="DomainRegistry.ShardCount"/>
/// shards by a stable hash of the name, so adding a domain rewrites one small shard, never a single
/// cluster-wide object. Each shard keeps its domains ordered by next due time, so finding the due ones costs
/// work proportional to their number. Key: the shard index.
/// </summary>
[Alias("coordinator.IDomainRegistryShardGrain")]
public interface IDomainRegistryShardGrain : IGrainWithIntegerKey
{
    /// <summary>Adds names (already normalized and belonging to this shard); returns how many were new.</summary>
    [Alias("add")]
    Task<int> AddAsync(IReadOnlyList<string> domains);

    /// <summary>Removes a name; returns whether it was present.</summary>
    [Alias("remove")]
    Task<bool> RemoveAsync(string domain);

    /// <summary>Whether a name is managed.</summary>
    [AlwaysInterleave]
    [Alias("contains")]
    Task<bool> ContainsAsync(string domain);

    /// <summary>Up to <paramref name="max"/> names in name order after <paramref name="after"/> (paging).</summary>
    [AlwaysInterleave]
    [Alias("list")]
    Task<IReadOnlyList<string>> ListAsync(string? after, int max);

    /// <summary>How many names this shard holds.</summary>
    [AlwaysInterleave]
    [Alias("count")]
    Task<int> CountAsync();

    /// <summary>Names whose renewal is due at or before <paramref name="now"/>, earliest first, at most <paramref name="max"/>.</summary>
    [AlwaysInterleave]
    [Alias("due")]
    Task<IReadOnlyList<string>> GetDueAsync(DateTimeOffset now, int max);

    /// <summary>Records when a name is next due (set by its domain grain after every attempt).</summary>
    [Alias("set-due")]
    Task SetDueAsync(string domain, DateTimeOffset dueAt);

    /// <summary>Makes sure the shard is active so its maintenance timer runs (called by every silo periodically).</summary>
    [Alias("wake")]
    Task WakeAsync();
}
