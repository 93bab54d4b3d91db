using Orleans;
using Orleans.Runtime;

namespace Coordinator.Storage;

/// <summary>
/// A grain storage operation failed for a reason other than an ETag conflict (those are
/// <see cref="Orleans.Storage.InconsistentStateException"/>): the store was unreachable, an object could not be
/// opened (tampered, truncated, moved, sealed with an unknown or different key), or state could not be (de)serialized.
/// The message names the grain and, where relevant, the key id; it never contains key material.
/// It derives from <see cref="OrleansException"/>, so Orleans passes it to the grain unwrapped.
/// </summary>
[Serializable]
[GenerateSerializer]
public class EncryptedStorageException : OrleansException
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
        : base(message, innerException!) // System.Exception accepts a null inner exception
    {
    }

    /// <summary>Creates an exception about one grain's state.</summary>
    public EncryptedStorageException(string message, string? grainType, string? grainId, string? keyId, Exception? innerException)
        : base(message, innerException!) // System.Exception accepts a null inner exception
    {
        GrainType = grainType;
        GrainId = grainId;
        KeyId = keyId;
    }

    /// <summary>The grain type (or state name) involved, when the failure concerns one grain.</summary>
    [Id(0)]
    public string? GrainType { get; private set; }

    /// <summary>The grain id involved, when the failure concerns one grain.</summary>
    [Id(1)]
    public string? GrainId { get; private set; }

    /// <summary>The id of the key an object claims to be sealed with, when that matters (never the key itself).</summary>
    [Id(2)]
    public string? KeyId { get; private set; }
}
