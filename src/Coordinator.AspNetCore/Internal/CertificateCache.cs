using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Coordinator.AspNetCore.Internal;

/// <summary>
/// The node-local SNI cache: host name → ready <see cref="SslStreamCertificateContext"/>. A hit is a dictionary
/// lookup (no grain, storage or network call). A miss asks the domain grain once, however many handshakes
/// miss at the same time. Grain notifications replace entries (highest version wins).
/// </summary>
internal sealed partial class CertificateCache(IGrainFactory grains, TimeProvider time, ILogger<CertificateCache> logger) : ICertificateObserver
{
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Lazy<Task<Entry?>>> fetches = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DateTimeOffset> negative = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long a name known to have no certificate is not asked again. Default: 5 s.</summary>
    public TimeSpan NegativeCacheTime { get; set; } = TimeSpan.FromSeconds(5);

    public int Count => entries.Count;

    public IEnumerable<Entry> Entries => entries.Values;

    /// <summary>The hit path: exact name, then the wildcard of its parent.</summary>
    public Entry? TryGet(string? serverName)
    {
        if (string.IsNullOrEmpty(serverName))
        {
            return null;
        }

        if (entries.TryGetValue(serverName, out var e))
        {
            return e;
        }

        var dot = serverName.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && entries.TryGetValue(string.Concat("*", serverName.AsSpan(dot)), out e) ? e : null;
    }

    /// <summary>The miss path: one grain call per name at a time; null when the name has no certificate.</summary>
    public async ValueTask<Entry?> GetAsync(string serverName)
    {
        if (TryGet(serverName) is { } hit)
        {
            CoordinatorAspNetCoreTelemetry.HandshakeLookups.Add(1, new KeyValuePair<string, object?>("coordinator.cache.result", "hit"));
            return hit;
        }

        CoordinatorAspNetCoreTelemetry.HandshakeLookups.Add(1, new KeyValuePair<string, object?>("coordinator.cache.result", "miss"));
        if (!DomainName.TryNormalize(serverName, out var name, out _))
        {
            return null;
        }

        if (negative.TryGetValue(name, out var until) && time.GetUtcNow() < until)
        {
            return null;
        }

        var lazy = fetches.GetOrAdd(name, n => new Lazy<Task<Entry?>>(() => FetchAsync(n)));
        try
        {
            return await lazy.Value;
        }
        finally
        {
            fetches.TryRemove(new KeyValuePair<string, Lazy<Task<Entry?>>>(name, lazy));
        }
    }

    public Task OnCertificateChangedAsync(CertificateSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Put(snapshot);
        return Task.CompletedTask;
    }

    public Task OnCertificateRemovedAsync(string domain)
    {
        entries.TryRemove(domain, out _);
        return Task.CompletedTask;
    }

    public void Put(CertificateSnapshot snapshot)
    {
        var built = Build(snapshot);
        entries.AddOrUpdate(snapshot.Domain, built, (_, old) => old.Version >= built.Version ? old : built);
        negative.TryRemove(snapshot.Domain, out _);
        LogCached(logger, snapshot.Domain, snapshot.SerialNumber, snapshot.Version);
    }

    public static Entry Build(CertificateSnapshot snapshot)
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPem(snapshot.ChainPem);
        using var leafNoKey = all[0];
        var leaf = X509Certificate2.CreateFromPem(leafNoKey.ExportCertificatePem(), snapshot.PrivateKeyPem);
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
        {
            intermediates.Add(all[i]);
        }

        var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        return new Entry(snapshot.Domain, context, snapshot.Version, snapshot.SerialNumber, snapshot.NotBefore, snapshot.NotAfter);
    }

    private async Task<Entry?> FetchAsync(string name)
    {
        try
        {
            var snapshot = await grains.GetGrain<IDomainGrain>(name).GetCertificateAsync();
            if (snapshot is null)
            {
                negative[name] = time.GetUtcNow() + NegativeCacheTime;
                return null;
            }

            Put(snapshot);
            return TryGet(name);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogFetchFailed(logger, name, e.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cached certificate {Serial} (v{Version}) for {Domain}")]
    private static partial void LogCached(ILogger logger, string domain, string serial, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch the certificate of {Domain}: {Message}")]
    private static partial void LogFetchFailed(ILogger logger, string domain, string message);

    /// <summary>A cached certificate, ready for SslStream.</summary>
    internal sealed record Entry(string Domain, SslStreamCertificateContext Context, long Version, string SerialNumber, DateTimeOffset NotBefore, DateTimeOffset NotAfter);
}
