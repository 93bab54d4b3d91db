namespace Coordinator.Acme;

/// <summary>Tuning for <see cref="AcmeClient"/>. Every setting documents its default; setters reject bad values naming the setting.</summary>
public sealed class AcmeClientOptions
{
    private int maxRetries = 4;
    private int maxBadNonceRetries = 20;
    private int maxResponseBytes = 1024 * 1024;
    private int noncePoolSize = 32;
    private TimeSpan retryBaseDelay = TimeSpan.FromSeconds(1);
    private TimeSpan retryMaxDelay = TimeSpan.FromSeconds(30);
    private TimeSpan maxRetryAfter = TimeSpan.FromSeconds(60);
    private TimeSpan pollInitialInterval = TimeSpan.FromMilliseconds(100);
    private TimeSpan pollMaxInterval = TimeSpan.FromSeconds(5);
    private TimeSpan pollTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Retries of a request answered 5xx or 429 (or failing at the transport). Default: 4.</summary>
    public int MaxRetries { get => maxRetries; set => maxRetries = InRange(value, 0, 20, nameof(MaxRetries)); }

    /// <summary>
    /// Retries of a request answered <c>badNonce</c>, each with a fresh nonce, immediately, and before (not counted
    /// in) <see cref="MaxRetries"/>. Default: 20 (a CA rejecting half the nonces fails one request in a million).
    /// </summary>
    public int MaxBadNonceRetries { get => maxBadNonceRetries; set => maxBadNonceRetries = InRange(value, 0, 100, nameof(MaxBadNonceRetries)); }

    /// <summary>Largest response body accepted, in bytes; a larger one fails with <see cref="AcmeException"/>. Default: 1 MiB.</summary>
    public int MaxResponseBytes { get => maxResponseBytes; set => maxResponseBytes = InRange(value, 1024, 64 * 1024 * 1024, nameof(MaxResponseBytes)); }

    /// <summary>How many unused <c>Replay-Nonce</c> values are kept; older ones are dropped. Default: 32.</summary>
    public int NoncePoolSize { get => noncePoolSize; set => noncePoolSize = InRange(value, 1, 1024, nameof(NoncePoolSize)); }

    /// <summary>First backoff when a retried response had no <c>Retry-After</c>; doubles per attempt, with jitter. Default: 1 s.</summary>
    public TimeSpan RetryBaseDelay { get => retryBaseDelay; set => retryBaseDelay = Positive(value, nameof(RetryBaseDelay)); }

    /// <summary>Cap of the exponential backoff. Default: 30 s.</summary>
    public TimeSpan RetryMaxDelay { get => retryMaxDelay; set => retryMaxDelay = Positive(value, nameof(RetryMaxDelay)); }

    /// <summary>
    /// Longest <c>Retry-After</c> the client waits out by itself when retrying; a longer one ends the call with an
    /// <see cref="AcmeProblemException"/> carrying <see cref="AcmeProblemException.RetryAfter"/> so the caller can
    /// schedule. Also caps the <c>Retry-After</c> honoured while polling. Default: 60 s.
    /// </summary>
    public TimeSpan MaxRetryAfter { get => maxRetryAfter; set => maxRetryAfter = Positive(value, nameof(MaxRetryAfter)); }

    /// <summary>First wait when polling an authorization or order without <c>Retry-After</c>; doubles up to <see cref="PollMaxInterval"/>. Default: 100 ms.</summary>
    public TimeSpan PollInitialInterval { get => pollInitialInterval; set => pollInitialInterval = Positive(value, nameof(PollInitialInterval)); }

    /// <summary>Longest wait between polls when the CA sends no <c>Retry-After</c> (a <c>Retry-After</c> is honoured up to <see cref="MaxRetryAfter"/>). Default: 5 s.</summary>
    public TimeSpan PollMaxInterval { get => pollMaxInterval; set => pollMaxInterval = Positive(value, nameof(PollMaxInterval)); }

    /// <summary>How long to poll an authorization or order before failing with <see cref="AcmeException"/>. Default: 3 min.</summary>
    public TimeSpan PollTimeout { get => pollTimeout; set => pollTimeout = Positive(value, nameof(PollTimeout)); }

    /// <summary>The <c>User-Agent</c> sent with every request (RFC 8555 §6.1). Default: "Coordinator.Acme/1.0".</summary>
    public string UserAgent { get; set; } = "Coordinator.Acme/1.0";

    private static int InRange(int value, int min, int max, string name) =>
        value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min} and {max}.");

    private static TimeSpan Positive(TimeSpan value, string name) =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
}
