namespace Coordinator.Acme;

/// <summary>ACME Renewal Information for one certificate (RFC 9773 §4.2).</summary>
/// <param name="WindowStart">Start of the suggested renewal window.</param>
/// <param name="WindowEnd">End of the suggested renewal window.</param>
/// <param name="ExplanationUrl">A page explaining the window (e.g. an incident), if any.</param>
/// <param name="RetryAfter">When to ask again (the response's <c>Retry-After</c>), if the CA said.</param>
public sealed record AcmeRenewalInfo(DateTimeOffset WindowStart, DateTimeOffset WindowEnd, Uri? ExplanationUrl, TimeSpan? RetryAfter);
