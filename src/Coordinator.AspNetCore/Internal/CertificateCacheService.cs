using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coordinator.AspNetCore.Internal;

/// <summary>
/// Keeps this node's SNI cache subscribed to certificate changes (re-subscribing every 15 s, so a restarted
/// notifier or a missed subscription heals) and fills it for every managed domain once the silo is up.
/// </summary>
internal sealed partial class CertificateCacheService(IGrainFactory grains, CertificateCache cache, ILogger<CertificateCacheService> logger) : BackgroundService
{
    private ICertificateObserver? reference;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        reference = grains.CreateObjectReference<ICertificateObserver>(cache);
        var preloaded = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await grains.GetGrain<ICertificateNotifierGrain>(0).SubscribeAsync(reference);
                if (!preloaded)
                {
                    await PreloadAsync(stoppingToken);
                    preloaded = true;
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogSubscribeFailed(logger, e.Message);
            }

            try
            {
                await Task.Delay(preloaded ? TimeSpan.FromSeconds(15) : TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task PreloadAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        await Parallel.ForEachAsync(grains.ListDomainsAsync(), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (domain, _) =>
        {
            if (await cache.GetAsync(domain) is not null)
            {
                Interlocked.Increment(ref count);
            }
        });
        LogPreloaded(logger, count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SNI cache filled with {Count} certificates")]
    private static partial void LogPreloaded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Certificate subscription failed (retrying): {Message}")]
    private static partial void LogSubscribeFailed(ILogger logger, string message);
}
