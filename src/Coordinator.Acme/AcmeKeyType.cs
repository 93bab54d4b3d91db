namespace Coordinator.Acme;

/// <summary>Key algorithms for ACME account keys and certificate keys.</summary>
public enum AcmeKeyType
{
    /// <summary>ECDSA on NIST P-256 (JWS <c>ES256</c>). The default: small and fast.</summary>
    EcdsaP256,

    /// <summary>ECDSA on NIST P-384 (JWS <c>ES384</c>).</summary>
    EcdsaP384,

    /// <summary>RSA with a 2048-bit modulus (JWS <c>RS256</c>).</summary>
    Rsa2048,

    /// <summary>RSA with a 4096-bit modulus (JWS <c>RS256</c>). Generating one takes seconds.</summary>
    Rsa4096,
}
