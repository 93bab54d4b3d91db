using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Coordinator.Grains;

[GenerateSerializer]
[Alias("coordinator.registry-shard-state")]
internal sealed class RegistryShardState
{
    /// <summary>Name → next due time (Unix milliseconds; 0 = due now).</summary>
    [Id(0)] public Dictionary<string, long> Domains { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One of <see cref="DomainRegistry.ShardCount"/> registry shards. Keeps its names in a due-time index in memory
/// (rebuilt from its state at activation), persists additions and removals at once and due-time changes in a
/// batch every few seconds, and runs a maintenance timer that renews the due names.
/// </summary>
internal sealed partial class DomainRegistryShardGrain(
    [PersistentState("registry", CoordinatorStorage.Name)] IPersistentState<RegistryShardState> state,
    IOptions<CoordinatorOptions> options,
    TimeProvider time,
    ILogger<DomainRegistryShardGrain> logger) : Grain, IDomainRegistryShardGrain
{
    private readonly SortedSet<(long Due, string Domain)> byDue = [];
    private SortedSet<string> byName = new(StringComparer.Ordinal);
    private readonly HashSet<string> renewing = new(StringComparer.Ordinal);
    private bool dirty;
    private IGrainTimer? maintenance;
    private IGrainTimer? flush;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        byName = new SortedSet<string>(state.State.Domains.Keys, StringComparer.Ordinal);
        foreach (var (d, due) in state.State.Domains)
        {
            byDue.Add((due, d));
        }

        var every = options.Value.Renewal.MaintenanceInterval;
        maintenance = this.RegisterGrainTimer(MaintainAsync, new GrainTimerCreationOptions(every, every) { Interleave = true });
        flush = this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)));
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        maintenance?.Dispose();
        flush?.Dispose();
        await FlushAsync(cancellationToken);
    }

    public async Task<int> AddAsync(IReadOnlyList<string> domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        var shard = (int)this.GetPrimaryKeyLong();
        foreach (var d in domains)
        {
            if (DomainName.Normalize(d) != d || DomainRegistry.ShardOf(d) != shard)
            {
                throw new ArgumentException($"'{d}' is not a normalized name of registry shard {shard}; use DomainRegistry.AddDomainsAsync.");
            }
        }

        var added = 0;
        foreach (var d in domains)
        {
            if (state.State.Domains.TryAdd(d, 0))
            {
                byName.Add(d);
                byDue.Add((0, d));
                added++;
            }
        }

        if (added > 0)
        {
            await WriteAsync();
        }

        return added;
    }

    public async Task<bool> RemoveAsync(string domain)
    {
        if (!state.State.Domains.Remove(domain, out var due))
        {
            return false;
        }

        byName.Remove(domain);
        byDue.Remove((due, domain));
        await WriteAsync();
        return true;
    }

    public Task<bool> ContainsAsync(string domain) => Task.FromResult(state.State.Domains.ContainsKey(domain));

    public Task<IReadOnlyList<string>> ListAsync(string? after, int max)
    {
        IEnumerable<string> view = after is null ? byName : byName.GetViewBetween(after, byName.Max ?? after).Where(d => d != after);
        return Task.FromResult<IReadOnlyList<string>>(view.Take(Math.Clamp(max, 1, 10_000)).ToList());
    }

    public Task<int> CountAsync() => Task.FromResult(state.State.Domains.Count);

    public Task<IReadOnlyList<string>> GetDueAsync(DateTimeOffset now, int max)
    {
        var limit = now.ToUnixTimeMilliseconds();
        var result = new List<string>();
        foreach (var (due, d) in byDue)
        {
            if (due > limit || result.Count >= max)
            {
                break;
            }

            result.Add(d);
        }

        return Task.FromResult<IReadOnlyList<string>>(result);
    }

    public Task SetDueAsync(string domain, DateTimeOffset dueAt)
    {
        if (state.State.Domains.TryGetValue(domain, out var old))
        {
            var next = dueAt.ToUnixTimeMilliseconds();
            if (next != old)
            {
                byDue.Remove((old, domain));
                byDue.Add((next, domain));
                state.State.Domains[domain] = next;
                dirty = true;
            }
        }

        return Task.CompletedTask;
    }

    public Task WakeAsync() => Task.CompletedTask;

    private async Task MaintainAsync(CancellationToken cancellationToken)
    {
        var due = await GetDueAsync(time.GetUtcNow(), 1000);
        var limit = options.Value.Renewal.MaxConcurrentRenewalsPerShard;
        foreach (var d in due)
        {
            if (renewing.Count >= limit)
            {
                break;
            }

            if (!renewing.Add(d))
            {
                continue;
            }

            _ = RenewAsync(d);
        }
    }

    private async Task RenewAsync(string domain)
    {
        try
        {
            var next = await GrainFactory.GetGrain<IDomainGrain>(domain).RenewIfDueAsync();
            await SetDueAsync(domain, next);
        }
        catch (Exception e)
        {
            LogRenewalCallFailed(logger, domain, e.Message);
            await SetDueAsync(domain, time.GetUtcNow() + options.Value.Renewal.InitialBackoff);
        }
        finally
        {
            renewing.Remove(domain);
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (dirty)
        {
            await WriteAsync();
        }
    }

    private async Task WriteAsync()
    {
        dirty = false;
        await state.WriteStateAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Maintenance renewal call for {Domain} failed: {Message}")]
    private static partial void LogRenewalCallFailed(ILogger logger, string domain, string message);
}
