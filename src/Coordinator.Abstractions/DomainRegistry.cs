using System.Text;

namespace Coordinator;

/// <summary>Client-side helpers for the sharded registry of managed domains.</summary>
public static class DomainRegistry
{
    /// <summary>The number of registry shards. Fixed: changing it would move names between shards.</summary>
    public const int ShardCount = 64;

    /// <summary>The shard a normalized name belongs to (FNV-1a of its UTF-8 bytes; stable across processes).</summary>
    public static int ShardOf(string normalizedDomain)
    {
        ArgumentNullException.ThrowIfNull(normalizedDomain);
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(normalizedDomain))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % ShardCount);
    }

    /// <summary>Adds names to the registry (normalizing them; invalid names throw before anything is written). Returns how many were new.</summary>
    public static async Task<int> AddDomainsAsync(this IGrainFactory grains, IEnumerable<string> domains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var byShard = domains.Select(DomainName.Normalize).Distinct(StringComparer.Ordinal).GroupBy(ShardOf);
        var added = await Task.WhenAll(byShard.Select(g => grains.GetGrain<IDomainRegistryShardGrain>(g.Key).AddAsync(g.ToList())));
        return added.Sum();
    }

    /// <summary>Removes a name from the registry. Its certificate stays in storage until revoked.</summary>
    public static Task<bool> RemoveDomainAsync(this IGrainFactory grains, string domain)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var n = DomainName.Normalize(domain);
        return grains.GetGrain<IDomainRegistryShardGrain>(ShardOf(n)).RemoveAsync(n);
    }

    /// <summary>Every managed name, in shard order then name order.</summary>
    public static async IAsyncEnumerable<string> ListDomainsAsync(this IGrainFactory grains, int pageSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(grains);
        for (var shard = 0; shard < ShardCount; shard++)
        {
            string? after = null;
            while (true)
            {
                var page = await grains.GetGrain<IDomainRegistryShardGrain>(shard).ListAsync(after, pageSize);
                foreach (var d in page)
                {
                    yield return d;
                }

                if (page.Count < pageSize)
                {
                    break;
                }

                after = page[^1];
            }
        }
    }
}
