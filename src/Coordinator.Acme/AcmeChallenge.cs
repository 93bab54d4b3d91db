namespace Coordinator.Acme;

/// <summary>An ACME challenge (RFC 8555 §7.1.5, §8).</summary>
/// <param name="Url">The challenge URL: POST to it to tell the CA it may validate.</param>
/// <param name="Type">"http-01", "dns-01", "tls-alpn-01", ...</param>
/// <param name="Status">"pending", "processing", "valid" or "invalid".</param>
/// <param name="Token">The token; with the account key it gives the key authorization.</param>
/// <param name="Error">The validation problem, if validation failed.</param>
/// <param name="Validated">When the CA validated it, if it did.</param>
public sealed record AcmeChallenge(Uri Url, string Type, string Status, string Token, AcmeProblem? Error, DateTimeOffset? Validated)
{
    /// <summary>HTTP-01: serve the key authorization at <c>http://{name}/.well-known/acme-challenge/{token}</c>.</summary>
    public const string Http01 = "http-01";

    /// <summary>DNS-01: publish the TXT value at <c>_acme-challenge.{name}</c>.</summary>
    public const string Dns01 = "dns-01";

    /// <summary>TLS-ALPN-01 (RFC 8737): present the validation certificate to clients offering <c>acme-tls/1</c>.</summary>
    public const string TlsAlpn01 = "tls-alpn-01";
}
