namespace Coordinator.Grains;

/// <summary>
/// Publishes DNS-01 TXT records (RFC 8555 §8.4). Register one in the silo's services to enable dns-01 and
/// wildcard names. Implementations must be safe for concurrent use and honour cancellation; presenting a
/// record that exists already must succeed.
/// </summary>
public interface IDns01Solver
{
    /// <summary>Publishes <paramref name="value"/> as a TXT record at <paramref name="recordName"/> (<c>_acme-challenge.example.com</c>).</summary>
    Task PresentAsync(string recordName, string value, CancellationToken cancellationToken);

    /// <summary>Removes the record published by <see cref="PresentAsync"/>. Failures are logged, not fatal.</summary>
    Task CleanupAsync(string recordName, string value, CancellationToken cancellationToken);
}
