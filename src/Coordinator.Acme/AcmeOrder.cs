namespace Coordinator.Acme;

/// <summary>An ACME order (RFC 8555 §7.1.3, <c>profile</c> and <c>replaces</c> from the profiles draft and RFC 9773).</summary>
/// <param name="Url">The order URL: persist it to resume the order later.</param>
/// <param name="Status">"pending", "ready", "processing", "valid" or "invalid".</param>
/// <param name="Identifiers">The identifiers the order covers.</param>
/// <param name="Authorizations">The authorization URLs.</param>
/// <param name="Finalize">The finalize URL.</param>
/// <param name="Certificate">The certificate URL, once valid.</param>
/// <param name="Expires">When the order expires, if the CA said.</param>
/// <param name="Error">The problem that made the order invalid, if any.</param>
/// <param name="Profile">The certificate profile, if any.</param>
/// <param name="Replaces">The ARI certificate identifier this order replaces, if any.</param>
public sealed record AcmeOrder(Uri Url, string Status, IReadOnlyList<AcmeIdentifier> Identifiers, IReadOnlyList<Uri> Authorizations, Uri Finalize, Uri? Certificate, DateTimeOffset? Expires, AcmeProblem? Error, string? Profile, string? Replaces);
