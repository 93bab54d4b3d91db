using System.Security.Cryptography;

namespace Coordinator.Acme;

/// <summary>Generates and imports the keys of <see cref="AcmeKeyType"/>.</summary>
internal static class KeyFactory
{
    private const string NotAKey = "the PEM text is not an ECDSA P-256/P-384 or RSA 2048/4096 private key (PKCS#8 'PRIVATE KEY', 'EC PRIVATE KEY' or 'RSA PRIVATE KEY').";

    public static AsymmetricAlgorithm Generate(AcmeKeyType type) => type switch
    {
        AcmeKeyType.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        AcmeKeyType.EcdsaP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        AcmeKeyType.Rsa2048 => RSA.Create(2048),
        AcmeKeyType.Rsa4096 => RSA.Create(4096),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, $"unknown key type {type}"),
    };

    /// <summary>Imports a private key PEM. Error messages never repeat the PEM (a secret).</summary>
    public static (AsymmetricAlgorithm Key, AcmeKeyType Type) Import(string pem, string paramName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pem, paramName);
        AsymmetricAlgorithm key = (AsymmetricAlgorithm?)TryImport(ECDsa.Create(), pem) ?? TryImport(RSA.Create(), pem)
            ?? throw new ArgumentException(NotAKey, paramName);
        AcmeKeyType? type = key switch
        {
            ECDsa { KeySize: 256 } => AcmeKeyType.EcdsaP256,
            ECDsa { KeySize: 384 } => AcmeKeyType.EcdsaP384,
            RSA { KeySize: 2048 } => AcmeKeyType.Rsa2048,
            RSA { KeySize: 4096 } => AcmeKeyType.Rsa4096,
            _ => null,
        };
        if (type is null)
        {
            var description = $"{(key is RSA ? "RSA" : "ECDSA")} key size {key.KeySize}";
            key.Dispose();
            throw new ArgumentException($"{description} is not supported (ECDSA P-256/P-384 or RSA 2048/4096).", paramName);
        }

        return (key, type.Value);
    }

    private static T? TryImport<T>(T key, string pem)
        where T : AsymmetricAlgorithm
    {
        try
        {
            key.ImportFromPem(pem);
            return key;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            return null;
        }
    }
}
