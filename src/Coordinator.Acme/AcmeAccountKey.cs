using System.Security.Cryptography;

namespace Coordinator.Acme;

/// <summary>
/// An ACME account key: ECDSA P-256 (<c>ES256</c>), P-384 (<c>ES384</c>) or RSA (<c>RS256</c>). The library stores
/// nothing: persist <see cref="ExportPkcs8Pem"/> (a secret) and restore with <see cref="FromPkcs8Pem"/>.
/// Safe for concurrent use.
/// </summary>
public sealed class AcmeAccountKey : IDisposable
{
    private readonly AsymmetricAlgorithm key;

    private AcmeAccountKey(AsymmetricAlgorithm key, AcmeKeyType type)
    {
        this.key = key;
        KeyType = type;
        Signer = new JwsSigner(key);
    }

    /// <summary>The key's algorithm.</summary>
    public AcmeKeyType KeyType { get; }

    /// <summary>The RFC 7638 JWK thumbprint (SHA-256, base64url): the part after the dot of every key authorization.</summary>
    public string Thumbprint => Signer.Thumbprint;

    internal JwsSigner Signer { get; }

    /// <summary>Generates a new key of <paramref name="type"/>.</summary>
    public static AcmeAccountKey Generate(AcmeKeyType type = AcmeKeyType.EcdsaP256) => new(KeyFactory.Generate(type), type);

    /// <summary>
    /// Restores a key from PEM (<c>PRIVATE KEY</c> PKCS#8, also <c>EC PRIVATE KEY</c> / <c>RSA PRIVATE KEY</c>).
    /// Throws <see cref="ArgumentException"/> (which never repeats the key) when it is not a supported key.
    /// </summary>
    public static AcmeAccountKey FromPkcs8Pem(string pem)
    {
        var (key, type) = KeyFactory.Import(pem, nameof(pem));
        return new AcmeAccountKey(key, type);
    }

    /// <summary>The private key as unencrypted PKCS#8 PEM. A secret: store it encrypted.</summary>
    public string ExportPkcs8Pem() => key.ExportPkcs8PrivateKeyPem();

    /// <inheritdoc />
    public void Dispose() => key.Dispose();
}
