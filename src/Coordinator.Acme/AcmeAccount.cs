namespace Coordinator.Acme;

/// <summary>An ACME account resource (RFC 8555 §7.1.2).</summary>
/// <param name="Url">The account URL (the JWS <c>kid</c>). Persist it with the account key.</param>
/// <param name="Status">"valid", "deactivated" or "revoked".</param>
/// <param name="Contacts">The contact URLs, e.g. <c>mailto:ops@example.com</c>.</param>
/// <param name="Orders">The account's orders list URL, if the CA gives one.</param>
public sealed record AcmeAccount(Uri Url, string Status, IReadOnlyList<string> Contacts, Uri? Orders);
