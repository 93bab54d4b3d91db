namespace Coordinator;

/// <summary>
/// A certificate as a node serves it: the PEM chain (leaf first) and its private key, with the facts a
/// cache or an operator needs. Immutable; a renewal produces a new snapshot with a higher <see cref="Version"/>.
/// </summary>
/// <param name="Domain">The normalized host name (lower-case A-label) the certificate was ordered for.</param>
/// <param name="ChainPem">The certificate chain in PEM, leaf first.</param>
/// <param name="PrivateKeyPem">The leaf's private key, PKCS#8 PEM. Secret: never log it.</param>
/// <param name="NotBefore">Start of validity.</param>
/// <param name="NotAfter">End of validity.</param>
/// <param name="SerialNumber">The leaf's serial number, upper-case hex.</param>
/// <param name="Issuer">The name of the configured issuer that issued it.</param>
/// <param name="Version">Increases with every certificate the domain gets; caches keep the highest.</param>
[GenerateSerializer]
[Immutable]
[Alias("coordinator.certificate-snapshot")]
public sealed record CertificateSnapshot(
    [property: Id(0)] string Domain,
    [property: Id(1)] string ChainPem,
    [property: Id(2)] string PrivateKeyPem,
    [property: Id(3)] DateTimeOffset NotBefore,
    [property: Id(4)] DateTimeOffset NotAfter,
    [property: Id(5)] string SerialNumber,
    [property: Id(6)] string Issuer,
    [property: Id(7)] long Version)
{
    /// <summary>Omits the private key.</summary>
    public override string ToString() =>
        $"{Domain} serial {SerialNumber} valid {NotBefore:u} to {NotAfter:u} from {Issuer} (v{Version})";
}
