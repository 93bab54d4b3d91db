namespace Coordinator.Testing;

/// <summary>How a test's own Pebble is configured. Every property's default is Pebble's own.</summary>
public sealed record PebbleOptions
{
    /// <summary>Require external account binding (<c>externalAccountBindingRequired</c>). Default: false.</summary>
    public bool ExternalAccountBindingRequired { get; init; }

    /// <summary>EAB key id → base64url HMAC key (<c>externalAccountMACKeys</c>). Default: none.</summary>
    public IReadOnlyDictionary<string, string> ExternalAccountMacKeys { get; init; } = new Dictionary<string, string>();

    /// <summary>Certificate lifetime in seconds (<c>certificateValidityPeriod</c>); 600 gives 10-minute certificates. Default: Pebble's (about 5 years).</summary>
    public int? CertificateValidityPeriodSeconds { get; init; }

    /// <summary>Percentage of good nonces Pebble rejects with badNonce (<c>PEBBLE_WFE_NONCEREJECT</c>). Default: 5.</summary>
    public int? NonceRejectPercent { get; init; }

    /// <summary>Percentage of valid authorizations Pebble reuses (<c>PEBBLE_AUTHZREUSE</c>). Default: 50.</summary>
    public int? AuthorizationReusePercent { get; init; }

    /// <summary>Port Pebble connects to for HTTP-01 validation. Default: a fresh free port (see <see cref="PebbleServer.HttpValidationPort"/>).</summary>
    public int? HttpValidationPort { get; init; }

    /// <summary>Port Pebble connects to for TLS-ALPN-01 validation. Default: a fresh free port.</summary>
    public int? TlsValidationPort { get; init; }

    /// <summary>Treat every challenge as valid without validating (<c>PEBBLE_VA_ALWAYS_VALID</c>). Default: false.</summary>
    public bool ValidationAlwaysSucceeds { get; init; }

    /// <summary>Names Pebble refuses to issue for (<c>domainBlocklist</c>). Default: none.</summary>
    public IReadOnlyList<string> DomainBlocklist { get; init; } = [];

    /// <summary>Further environment variables for the Pebble process.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
