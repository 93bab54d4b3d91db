using Orleans.Concurrency;

namespace Coordinator;

/// <summary>
/// The single place in the cluster where one host name's certificate is ordered, renewed and revoked.
/// Key: the normalized host name (see <see cref="DomainName.Normalize"/>). Orleans' single activation is the
/// renewal lease: at most one ACME order per name is in flight cluster-wide.
/// </summary>
[Alias("coordinator.IDomainGrain")]
public interface IDomainGrain : IGrainWithStringKey
{
    /// <summary>The current certificate, or null when none has been issued yet.</summary>
    [AlwaysInterleave]
    [Alias("get-certificate")]
    Task<CertificateSnapshot?> GetCertificateAsync();

    /// <summary>
    /// Makes the name managed and obtains a certificate unless a valid one that is not due exists. With
    /// <paramref name="waitForCertificate"/> the call returns when the order has ended (or failed); without,
    /// it returns at once. Concurrent calls share one order.
    /// </summary>
    [Alias("ensure")]
    Task<DomainStatus> EnsureAsync(bool waitForCertificate);

    /// <summary>Renews now, even if the certificate is not due. Waits for the order to end.</summary>
    [Alias("renew")]
    Task<DomainStatus> RenewAsync();

    /// <summary>Runs a renewal if one is due (called by the registry's maintenance); returns the next due time.</summary>
    [Alias("renew-if-due")]
    Task<DateTimeOffset> RenewIfDueAsync();

    /// <summary>Revokes the current certificate at its CA with an RFC 5280 reason code and forgets it.</summary>
    [Alias("revoke")]
    Task<DomainStatus> RevokeAsync(int reason);

    /// <summary>Status for operators; no key material.</summary>
    [AlwaysInterleave]
    [Alias("status")]
    Task<DomainStatus> GetStatusAsync();

    /// <summary>The HTTP-01 key authorization for an open challenge token, or null for an unknown token.</summary>
    [AlwaysInterleave]
    [Alias("http01")]
    Task<string?> GetHttp01ResponseAsync(string token);

    /// <summary>The TLS-ALPN-01 validation certificate while such a challenge is open, else null.</summary>
    [AlwaysInterleave]
    [Alias("tlsalpn01")]
    Task<TlsAlpnChallenge?> GetTlsAlpn01CertificateAsync();
}
