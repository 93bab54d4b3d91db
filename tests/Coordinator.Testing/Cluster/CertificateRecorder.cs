using Coordinator;
using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Orleans;

namespace Coordinator.Testing.Cluster;

/// <summary>A per-silo subscriber, as a node's SNI cache would be: records every pushed certificate.</summary>
public sealed class CertificateRecorder(IGrainFactory grains) : ICertificateObserver, IHostedService
{
    private readonly CancellationTokenSource stop = new();
    private ICertificateObserver? reference;

    public ConcurrentDictionary<string, CertificateSnapshot> Latest { get; } = new();

    public Task OnCertificateChangedAsync(CertificateSnapshot snapshot)
    {
        Latest.AddOrUpdate(snapshot.Domain, snapshot, (_, old) => old.Version >= snapshot.Version ? old : snapshot);
        return Task.CompletedTask;
    }

    public Task OnCertificateRemovedAsync(string domain)
    {
        Latest.TryRemove(domain, out _);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        reference = grains.CreateObjectReference<ICertificateObserver>(this);
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await grains.GetGrain<ICertificateNotifierGrain>(0).SubscribeAsync(reference);
                }
                catch (Exception)
                {
                    // silo still starting; retry
                }

                await Task.Delay(TimeSpan.FromSeconds(2), stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        stop.Cancel();
        return Task.CompletedTask;
    }
}
