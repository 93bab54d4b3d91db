using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Coordinator.Acme;

/// <summary>
/// Names of this assembly's <see cref="ActivitySource"/> and <see cref="Meter"/>, for
/// <c>AddSource</c>/<c>AddMeter</c>. Spans: one per ACME request (<c>acme.request</c>, including its retries), with
/// <c>http.request.method</c>, <c>url.full</c>, <c>http.response.status_code</c>, <c>acme.retries</c>,
/// <c>acme.bad_nonce_retries</c> and, on failure, <c>acme.problem.type</c>. Metrics: <c>acme.request.duration</c> (s),
/// <c>acme.bad_nonce.retries</c>, <c>acme.request.retries</c>. No payloads, keys or tokens are recorded.
/// </summary>
public static class AcmeTelemetry
{
    /// <summary>The ActivitySource name: "Coordinator.Acme".</summary>
    public const string ActivitySourceName = "Coordinator.Acme";

    /// <summary>The Meter name: "Coordinator.Acme".</summary>
    public const string MeterName = "Coordinator.Acme";

    internal static readonly ActivitySource Source = new(ActivitySourceName);

    private static readonly Meter Meter = new(MeterName);

    internal static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>(
        "acme.request.duration", "s", "Duration of an ACME request including its retries.");

    internal static readonly Counter<long> BadNonceRetries = Meter.CreateCounter<long>(
        "acme.bad_nonce.retries", "{retry}", "Requests resent because the CA rejected the nonce.");

    internal static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "acme.request.retries", "{retry}", "Requests resent after a 5xx, 429 or transport failure.");
}
