using Sodium;

namespace Coordinator.Storage;

/// <summary>Creates master keys for <see cref="KeyRingOptions.Keys"/>.</summary>
public static class EncryptionKey
{
    /// <summary>The length of every master key, in bytes (libsodium <c>crypto_secretbox_KEYBYTES</c>).</summary>
    public const int Length = 32;

    /// <summary>
    /// A new random 32-byte key from libsodium's CSPRNG, base64-encoded, ready to put into
    /// <see cref="KeyRingOptions.Keys"/> (configuration, a secret store or an environment variable).
    /// </summary>
    public static string GenerateBase64()
    {
        SodiumCore.Init();
        var key = SodiumCore.GetRandomBytes(Length);
        try
        {
            return Convert.ToBase64String(key);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }
    }
}
