using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace Coordinator.Grains;

[GenerateSerializer]
[Alias("coordinator.notifier-state")]
internal sealed class NotifierState
{
    [Id(0)] public List<ICertificateObserver> Observers { get; set; } = [];
}

/// <summary>
/// Fans certificate changes out to every silo's subscriber. The subscriber list is persisted, so a notifier
/// reactivated after its silo died still reaches every live subscriber; subscribers that fail are dropped
/// and re-subscribe on their own schedule.
/// </summary>
internal sealed partial class CertificateNotifierGrain(
    [PersistentState("notifier", CoordinatorStorage.Name)] IPersistentState<NotifierState> state,
    ILogger<CertificateNotifierGrain> logger) : Grain, ICertificateNotifierGrain
{
    private readonly ObserverManager<ICertificateObserver> observers = new(TimeSpan.FromMinutes(5), logger);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var o in state.State.Observers)
        {
            observers.Subscribe(o, o);
        }

        return Task.CompletedTask;
    }

    public async Task SubscribeAsync(ICertificateObserver observer)
    {
        var isNew = !observers.Observers.ContainsKey(observer);
        observers.Subscribe(observer, observer);
        if (isNew)
        {
            await PersistAsync();
        }
    }

    public async Task UnsubscribeAsync(ICertificateObserver observer)
    {
        observers.Unsubscribe(observer);
        await PersistAsync();
    }

    public Task PublishAsync(CertificateSnapshot snapshot)
    {
        LogPublish(logger, snapshot.Domain, snapshot.SerialNumber, observers.Count);
        observers.Notify(o => o.OnCertificateChangedAsync(snapshot));
        return Task.CompletedTask;
    }

    public Task PublishRemovedAsync(string domain)
    {
        observers.Notify(o => o.OnCertificateRemovedAsync(domain));
        return Task.CompletedTask;
    }

    private Task PersistAsync()
    {
        state.State.Observers = [.. observers.Observers.Values];
        return state.WriteStateAsync();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Publishing certificate {Serial} of {Domain} to {Count} subscribers")]
    private static partial void LogPublish(ILogger logger, string domain, string serial, int count);
}
