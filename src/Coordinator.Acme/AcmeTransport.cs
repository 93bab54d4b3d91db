using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Coordinator.Acme;

/// <summary>
/// HTTP for ACME: the cached directory, the nonce pool, JWS POSTs, bounded response reading, and the retry rules
/// (in this order: <c>badNonce</c> → fresh nonce and retry at once; 5xx/429/transport errors → wait
/// <c>Retry-After</c> or capped exponential backoff with jitter; anything else → typed error). Every wait uses
/// the injected <see cref="TimeProvider"/> and honours cancellation. Safe for concurrent use.
/// </summary>
internal sealed class AcmeTransport
{
    private const string JoseJson = "application/jose+json";
    private readonly HttpClient http;
    private readonly Uri directoryUri;
    private readonly AcmeClientOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly NoncePool nonces;
    private readonly Lock directoryGate = new();
    private Task<AcmeDirectory>? directory;

    public AcmeTransport(HttpClient http, Uri directoryUri, AcmeClientOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(directoryUri);
        if (!directoryUri.IsAbsoluteUri || (directoryUri.Scheme != Uri.UriSchemeHttps && directoryUri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"directoryUri '{directoryUri}' must be an absolute https (or http) URL.", nameof(directoryUri));
        }

        this.http = http;
        this.directoryUri = directoryUri;
        this.options = options;
        this.time = time;
        this.logger = logger;
        nonces = new NoncePool(options.NoncePoolSize);
    }

    public TimeProvider Time => time;

    public AcmeClientOptions Options => options;

    /// <summary>The directory, fetched once; a failed fetch is not cached.</summary>
    public Task<AcmeDirectory> GetDirectoryAsync(CancellationToken ct)
    {
        Task<AcmeDirectory> task;
        lock (directoryGate)
        {
            if (directory is null || directory.IsFaulted || directory.IsCanceled)
            {
                directory = LoadDirectoryAsync();
            }

            task = directory;
        }

        return task.WaitAsync(ct);
    }

    /// <summary>A plain GET (directory, renewalInfo), retried like POSTs.</summary>
    public Task<AcmeResponse> GetAsync(Uri url, CancellationToken ct) =>
        SendWithRetryAsync(url, "GET", nonce: false, _ => new HttpRequestMessage(HttpMethod.Get, url), accept: null, ct);

    /// <summary>
    /// A JWS POST signed by <paramref name="signer"/> with <c>kid</c> = <paramref name="kid"/> (or its <c>jwk</c> when
    /// null). <paramref name="payload"/> null means POST-as-GET.
    /// </summary>
    public Task<AcmeResponse> PostAsync(Uri url, JwsSigner signer, Uri? kid, byte[]? payload, CancellationToken ct, string? accept = null) =>
        SendWithRetryAsync(url, "POST", nonce: true, nonce =>
        {
            var content = new ByteArrayContent(Jws.Sign(signer, url, nonce, kid, payload));
            content.Headers.ContentType = new MediaTypeHeaderValue(JoseJson);
            return new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        }, accept, ct);

    private async Task<AcmeDirectory> LoadDirectoryAsync()
    {
        var response = await GetAsync(directoryUri, CancellationToken.None).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw new AcmeException($"the ACME directory {directoryUri} answered HTTP {response.Status}, expected 200.");
        }

        using var json = response.Json();
        return AcmeWire.Directory(json.RootElement, directoryUri);
    }

    private async Task<string> NewNonceAsync(CancellationToken ct)
    {
        var dir = await GetDirectoryAsync(ct).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Head, dir.NewNonce);
        request.Headers.UserAgent.ParseAdd(options.UserAgent);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (response.Headers.TryGetValues("Replay-Nonce", out var values) && values.FirstOrDefault() is { Length: > 0 } nonce)
        {
            return nonce;
        }

        if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            throw new HttpRequestException($"newNonce {dir.NewNonce} answered HTTP {(int)response.StatusCode}", null, response.StatusCode);
        }

        throw new AcmeException($"newNonce {dir.NewNonce} answered HTTP {(int)response.StatusCode} without a Replay-Nonce header.");
    }

    private async Task<AcmeResponse> SendWithRetryAsync(Uri url, string method, bool nonce, Func<string?, HttpRequestMessage> build, string? accept, CancellationToken ct)
    {
        using var activity = AcmeTelemetry.Source.StartActivity("acme.request", ActivityKind.Client);
        activity?.SetTag("http.request.method", method);
        activity?.SetTag("url.full", url.AbsoluteUri);
        var started = time.GetTimestamp();
        var counts = new RetryCounts();
        try
        {
            var response = await SendWithRetryCoreAsync(url, method, nonce, build, accept, counts, ct).ConfigureAwait(false);
            activity?.SetTag("http.response.status_code", response.Status);
            return response;
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            if (e is AcmeProblemException problem)
            {
                activity?.SetTag("http.response.status_code", problem.StatusCode);
                activity?.SetTag("acme.problem.type", problem.Problem.Type);
            }

            throw;
        }
        finally
        {
            activity?.SetTag("acme.retries", counts.Retries);
            activity?.SetTag("acme.bad_nonce_retries", counts.BadNonces);
            AcmeTelemetry.RequestDuration.Record(time.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("http.request.method", method));
        }
    }

    private async Task<AcmeResponse> SendWithRetryCoreAsync(Uri url, string method, bool nonce, Func<string?, HttpRequestMessage> build, string? accept, RetryCounts counts, CancellationToken ct)
    {
        var badNonces = 0;
        var retries = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            AcmeResponse response;
            var posting = false;
            try
            {
                var n = nonce ? nonces.TryTake() ?? await NewNonceAsync(ct).ConfigureAwait(false) : null;
                using var request = build(n);
                request.Headers.UserAgent.ParseAdd(options.UserAgent);
                if (accept is not null)
                {
                    request.Headers.Accept.ParseAdd(accept);
                }

                posting = nonce;
                response = await SendOnceAsync(request, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (retries < options.MaxRetries && !ct.IsCancellationRequested && (!posting || NotSent(e)))
            {
                // A POST is retried only when it never reached the CA (connect/DNS failure): a newOrder that the CA
                // processed before the connection broke must not be sent twice (duplicate orders count against rate limits).
                var delay = Backoff(retries++);
                counts.Retries = retries;
                AcmeTelemetry.Retries.Add(1);
                AcmeLog.TransportRetry(logger, url, e.Message, delay, retries);
                await Task.Delay(delay, time, ct).ConfigureAwait(false);
                continue;
            }
            catch (HttpRequestException e)
            {
                throw new AcmeException($"ACME {method} {url} failed: {e.Message}", e);
            }
            catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw new AcmeException($"ACME {method} {url} timed out (HttpClient.Timeout).", e);
            }

            AcmeLog.Response(logger, method, url, response.Status);
            if (response.Status < 400)
            {
                return response;
            }

            var problem = TryProblem(response);
            if (nonce && problem?.Type == AcmeProblemTypes.BadNonce && badNonces < options.MaxBadNonceRetries)
            {
                // Checked before the generic rule: badNonce comes with a 400. The CA's own Replay-Nonce on this
                // response went into the pool; drop the lot anyway, one bad nonce often means the pool is stale.
                nonces.Clear();
                badNonces++;
                counts.BadNonces = badNonces;
                AcmeTelemetry.BadNonceRetries.Add(1);
                AcmeLog.BadNonce(logger, url, badNonces);
                continue;
            }

            var retryable = response.Status >= 500 || response.Status == 429;
            if (retryable && retries < options.MaxRetries)
            {
                var delay = response.RetryAfter ?? Backoff(retries);
                if (delay <= options.MaxRetryAfter)
                {
                    retries++;
                    counts.Retries = retries;
                    AcmeTelemetry.Retries.Add(1);
                    AcmeLog.Retrying(logger, url, response.Status, delay, retries);
                    await Task.Delay(delay, time, ct).ConfigureAwait(false);
                    continue;
                }
            }

            if (problem is not null)
            {
                throw new AcmeProblemException(problem, response.Status, response.RetryAfter, url);
            }

            throw new AcmeException($"ACME {method} {url} answered HTTP {response.Status} ({response.ContentType ?? "no content type"}), not a problem document: {response.Snippet()}");
        }
    }

    private async Task<AcmeResponse> SendOnceAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var url = request.RequestUri!;
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (response.Headers.TryGetValues("Replay-Nonce", out var replay))
        {
            nonces.Add(replay.FirstOrDefault());
        }

        var max = options.MaxResponseBytes;
        var declared = response.Content.Headers.ContentLength;
        if (declared > max)
        {
            throw new AcmeException($"the response from {url} declares {declared} bytes, more than MaxResponseBytes ({max}).");
        }

        byte[] body;
        try
        {
            body = await ReadBoundedAsync(response.Content, max, url, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
        {
            throw new AcmeException($"the response from {url} (HTTP {(int)response.StatusCode}) was truncated: the connection ended before the body was complete ({e.Message}).", e);
        }

        if (declared is { } length && body.Length != length)
        {
            throw new AcmeException($"the response from {url} was truncated: {body.Length} of {length} declared bytes.");
        }

        var location = response.Headers.Location is { } loc ? new Uri(url, loc) : null;
        return new AcmeResponse(url, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, location,
            LinkHeader.Parse(response.Headers, url), RetryAfter.From(response.Headers, time.GetUtcNow()));
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, int max, Uri url, CancellationToken ct)
    {
        var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > max)
                {
                    throw new AcmeException($"the response from {url} is larger than MaxResponseBytes ({max}).");
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    private static bool NotSent(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError;

    private static AcmeProblem? TryProblem(AcmeResponse response)
    {
        if (response.Body.Length == 0)
        {
            return null;
        }

        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(response.Body);
            return json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && json.RootElement.TryGetProperty("type", out _)
                ? AcmeWire.Problem(json.RootElement)
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var baseMs = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20));
        var capped = Math.Min(baseMs, options.RetryMaxDelay.TotalMilliseconds);
        // Full-range jitter on the upper half: [capped/2, capped].
        var jitter = RandomNumberGenerator.GetInt32(0, 1001) / 1000.0;
        return TimeSpan.FromMilliseconds(capped / 2 + capped / 2 * jitter);
    }

    private sealed class RetryCounts
    {
        public int Retries { get; set; }

        public int BadNonces { get; set; }
    }
}
