namespace Coordinator.Storage;

/// <summary>
/// A grain storage operation failed for a reason other than an ETag conflict (those are
/// <see cref="Orleans.Storage.InconsistentStateException"/>): the store was unreachable, an object could not be
/// opened (tampered, truncated, moved, sealed with an unknown or different key), or state could not be (de)serialized.
/// The message names the grain and, where relevant, the key id; it never contains key material.
/// </summary>
[Serializable]
public class EncryptedStorageException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public EncryptedStorageException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public EncryptedStorageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public EncryptedStorageException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception about one grain's state.</summary>
    public EncryptedStorageException(string message, string? grainType, string? grainId, string? keyId, Exception? innerException)
        : base(message, innerException)
    {
        GrainType = grainType;
        GrainId = grainId;
        KeyId = keyId;
    }

    /// <summary>The grain type (or state name) involved, when the failure concerns one grain.</summary>
    public string? GrainType { get; }

    /// <summary>The grain id involved, when the failure concerns one grain.</summary>
    public string? GrainId { get; }

    /// <summary>The id of the key an object claims to be sealed with, when that matters (never the key itself).</summary>
    public string? KeyId { get; }
}
