using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coordinator.Acme;

/// <summary>
/// An RFC 8555 ACME client for one account (key + account URL) at one CA. Safe for concurrent use: many orders may
/// run at once on one client; they share the cached directory and the nonce pool. The client stores nothing: persist
/// the account key (<see cref="AcmeAccountKey.ExportPkcs8Pem"/>), <see cref="AccountUrl"/> and the order URLs yourself.
/// It owns neither the <see cref="HttpClient"/> nor the account key: disposing it disposes neither.
/// </summary>
public sealed partial class AcmeClient : IDisposable
{
    private readonly AcmeTransport transport;
    private readonly ILogger logger;
    private volatile AcmeAccountKey accountKey;
    private volatile Uri? accountUrl;
    private volatile bool disposed;

    /// <summary>Creates a client.</summary>
    /// <param name="http">The HTTP client (the caller owns it; its handler decides which CA certificates are trusted).</param>
    /// <param name="directoryUri">The CA's directory URL, e.g. <c>https://acme-v02.api.letsencrypt.org/directory</c>.</param>
    /// <param name="accountKey">The account key (the caller owns it).</param>
    /// <param name="accountUrl">The account URL when already known (saves a lookup); else found or created on demand.</param>
    /// <param name="options">Tuning; defaults as documented on <see cref="AcmeClientOptions"/>.</param>
    /// <param name="timeProvider">The clock for every wait (retry, polling). Default: <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Logger; URLs and statuses only, never keys or payloads.</param>
    public AcmeClient(HttpClient http, Uri directoryUri, AcmeAccountKey accountKey, string? accountUrl = null,
        AcmeClientOptions? options = null, TimeProvider? timeProvider = null, ILogger<AcmeClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(accountKey);
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        transport = new AcmeTransport(http, directoryUri, options ?? new AcmeClientOptions(), timeProvider ?? TimeProvider.System, this.logger);
        this.accountKey = accountKey;
        if (accountUrl is not null)
        {
            this.accountUrl = Uri.TryCreate(accountUrl, UriKind.Absolute, out var u)
                ? u
                : throw new ArgumentException($"accountUrl '{accountUrl}' is not an absolute URL.", nameof(accountUrl));
        }
    }

    /// <summary>The account URL (the JWS <c>kid</c>) once known: given, created or found.</summary>
    public Uri? AccountUrl => accountUrl;

    /// <summary>The account key in use (changes after <see cref="RolloverKeyAsync"/>).</summary>
    public AcmeAccountKey AccountKey => accountKey;

    /// <summary>The CA's directory, fetched on first use and cached (a failed fetch is retried on the next call).</summary>
    public Task<AcmeDirectory> GetDirectoryAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return transport.GetDirectoryAsync(ct);
    }

    /// <summary>Marks the client disposed. It owns neither the <see cref="HttpClient"/> nor the account key.</summary>
    public void Dispose() => disposed = true;

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    /// <summary>A POST signed with the account key and <c>kid</c> (finding the account first if its URL is unknown).</summary>
    private async Task<AcmeResponse> PostAsKidAsync(Uri url, byte[]? payload, CancellationToken ct, string? accept = null)
    {
        ThrowIfDisposed();
        var kid = await RequireAccountUrlAsync(ct).ConfigureAwait(false);
        return await transport.PostAsync(url, accountKey.Signer, kid, payload, ct, accept).ConfigureAwait(false);
    }

    private async Task<Uri> RequireAccountUrlAsync(CancellationToken ct)
    {
        if (accountUrl is { } known)
        {
            return known;
        }

        var found = await FindAccountAsync(ct).ConfigureAwait(false);
        return found?.Url ?? throw new InvalidOperationException(
            $"the CA has no account for this account key (thumbprint {accountKey.Thumbprint}): call CreateAccountAsync first.");
    }
}
