namespace Coordinator.Acme;

/// <summary>
/// The CA answered with a problem document (RFC 8555 §6.7), or a challenge/order ended invalid with one.
/// The message carries the type URN, detail and subproblems; never request bodies or keys.
/// </summary>
public sealed class AcmeProblemException : AcmeException
{
    /// <summary>Creates the exception for <paramref name="problem"/>.</summary>
    /// <param name="problem">The problem document.</param>
    /// <param name="statusCode">The HTTP status of the response; 0 when the problem came from a resource's <c>error</c> field.</param>
    /// <param name="retryAfter">The response's <c>Retry-After</c>, if any.</param>
    /// <param name="url">The request URL, for the message.</param>
    public AcmeProblemException(AcmeProblem problem, int statusCode, TimeSpan? retryAfter = null, Uri? url = null)
        : base(FormatMessage(problem, statusCode, retryAfter, url))
    {
        ArgumentNullException.ThrowIfNull(problem);
        Problem = problem;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>The problem document.</summary>
    public AcmeProblem Problem { get; }

    /// <summary>The HTTP status; 0 when the problem came from a challenge's or order's <c>error</c> field.</summary>
    public int StatusCode { get; }

    /// <summary>How long the CA asked us to wait (<c>Retry-After</c>), if it said.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>True for <c>rateLimited</c> (or HTTP 429): wait at least <see cref="RetryAfter"/>.</summary>
    public bool IsRateLimited => Problem.Type == AcmeProblemTypes.RateLimited || StatusCode == 429;

    /// <summary>
    /// True when the same request may succeed later without any change on our side: rate limits, server errors
    /// (5xx, <c>serverInternal</c>), <c>badNonce</c>, or any answer that carried <c>Retry-After</c>. Problems caused
    /// by the request or by the validation target (malformed, unauthorized, connection, ...) are false.
    /// </summary>
    public bool IsRetryable => IsRateLimited || StatusCode >= 500 || RetryAfter is not null
        || Problem.Type is AcmeProblemTypes.ServerInternal or AcmeProblemTypes.BadNonce;

    private static string FormatMessage(AcmeProblem problem, int statusCode, TimeSpan? retryAfter, Uri? url)
    {
        var where = url is null ? string.Empty : $" from {url}";
        var status = statusCode == 0 ? string.Empty : $" (HTTP {statusCode})";
        var wait = retryAfter is { } r ? $", retry after {r.TotalSeconds:0}s" : string.Empty;
        return $"ACME problem{where}{status}: {problem}{wait}";
    }
}
