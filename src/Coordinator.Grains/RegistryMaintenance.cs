using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Coordinator.Grains;

/// <summary>
/// Per-silo maintenance loop. Once the silo is active it adds the configured domains to the registry, then
/// periodically wakes every registry shard, so each shard's renewal timer runs somewhere in the cluster even
/// after silo restarts or moves. This replaces reminders (which would need a reminder table outside the
/// encrypted store): the work is one cheap call per shard per interval, independent of the number of domains.
/// </summary>
internal sealed partial class RegistryMaintenance(
    IGrainFactory grains,
    IOptions<CoordinatorOptions> options,
    ILogger<RegistryMaintenance> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private Task? loop;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RegistryMaintenance), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    public void Dispose() => stopping.Dispose();

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        loop = Task.Run(() => RunAsync(stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        if (loop is not null)
        {
            await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.Domains;
        var interval = options.Value.Renewal.MaintenanceInterval;
        var added = configured.Count == 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!added)
                {
                    var n = await grains.AddDomainsAsync(configured);
                    LogConfiguredDomains(logger, configured.Count, n);
                    added = true;
                }

                await Task.WhenAll(Enumerable.Range(0, DomainRegistry.ShardCount)
                    .Select(i => grains.GetGrain<IDomainRegistryShardGrain>(i).WakeAsync()));
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                LogWakeFailed(logger, e.Message);
            }

            try
            {
                await Task.Delay(interval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered {Count} configured domains ({New} new)")]
    private static partial void LogConfiguredDomains(ILogger logger, int count, int @new);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registry maintenance could not wake the shards: {Message}")]
    private static partial void LogWakeFailed(ILogger logger, string message);
}
