namespace Coordinator;

/// <summary>
/// The RFC 8737 validation certificate for an open TLS-ALPN-01 challenge. Served only to clients that offer
/// the <c>acme-tls/1</c> protocol.
/// </summary>
/// <param name="CertificatePem">The self-signed validation certificate, PEM.</param>
/// <param name="PrivateKeyPem">Its private key (PKCS#8 PEM); a throwaway key that protects nothing else.</param>
[GenerateSerializer]
[Immutable]
[Alias("coordinator.tls-alpn-challenge")]
public sealed record TlsAlpnChallenge(
    [property: Id(0)] string CertificatePem,
    [property: Id(1)] string PrivateKeyPem);
