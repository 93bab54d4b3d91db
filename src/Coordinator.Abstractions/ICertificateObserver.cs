using Orleans.Concurrency;

namespace Coordinator;

/// <summary>
/// Receives certificate changes pushed to every silo (for example a node's SNI cache). Register through
/// <see cref="ICertificateNotifierGrain"/>; registrations expire, so subscribers renew them periodically.
/// </summary>
[Alias("coordinator.ICertificateObserver")]
public interface ICertificateObserver : IGrainObserver
{
    /// <summary>A domain's certificate changed (issued, renewed). Called once per subscriber.</summary>
    [OneWay]
    [Alias("changed")]
    Task OnCertificateChangedAsync(CertificateSnapshot snapshot);

    /// <summary>A domain's certificate was revoked or removed; stop serving it.</summary>
    [OneWay]
    [Alias("removed")]
    Task OnCertificateRemovedAsync(string domain);
}

/// <summary>Fans certificate changes out to every subscribed observer. Key: 0 (one per cluster).</summary>
[Alias("coordinator.ICertificateNotifierGrain")]
public interface ICertificateNotifierGrain : IGrainWithIntegerKey
{
    /// <summary>Adds or refreshes a subscription.</summary>
    [Alias("subscribe")]
    Task SubscribeAsync(ICertificateObserver observer);

    /// <summary>Removes a subscription.</summary>
    [Alias("unsubscribe")]
    Task UnsubscribeAsync(ICertificateObserver observer);

    /// <summary>Pushes a new certificate to every subscriber.</summary>
    [Alias("publish")]
    Task PublishAsync(CertificateSnapshot snapshot);

    /// <summary>Tells every subscriber that a domain no longer has a certificate.</summary>
    [Alias("publish-removed")]
    Task PublishRemovedAsync(string domain);
}
