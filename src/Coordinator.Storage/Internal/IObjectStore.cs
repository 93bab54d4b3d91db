namespace Coordinator.Storage.Internal;

/// <summary>
/// A flat namespace of opaque objects with ETags and conditional writes: the part of S3 the provider needs.
/// </summary>
/// <remarks>
/// Contract for implementations:
/// <list type="bullet">
/// <item>Safe for concurrent use by many callers (and, for shared stores, by many processes).</item>
/// <item>An ETag identifies one stored version of one object; a write of new content yields a new ETag.</item>
/// <item><see cref="PutAsync"/> with <c>ifMatch = null</c> creates only if no object exists (<c>If-None-Match: *</c>);
/// with an ETag it replaces only that version (<c>If-Match</c>). A failed condition — including an <c>If-Match</c> on a
/// missing object — throws <see cref="PreconditionFailedException"/> and changes nothing.</item>
/// <item><see cref="DeleteAsync"/> deletes only the version with that ETag, same failure rule.</item>
/// <item>A missing object on <see cref="GetAsync"/> is <c>null</c>, not an exception.</item>
/// <item>Names are the provider's own (<c>[a-z0-9-]</c>); a store maps them to keys or files.</item>
/// <item>Every other failure surfaces as the store's own exception; callers wrap it.</item>
/// </list>
/// </remarks>
internal interface IObjectStore
{
    /// <summary>Where the objects live, for messages (bucket/prefix or directory); never credentials.</summary>
    string Location { get; }

    /// <summary>Which settings to check when the store cannot be used at all, for the start-up error.</summary>
    string ConfigurationHint { get; }

    Task<StoredObject?> GetAsync(string name, CancellationToken cancellationToken);

    /// <summary>Writes the object and returns its new ETag.</summary>
    Task<string> PutAsync(string name, byte[] data, string? ifMatch, CancellationToken cancellationToken);

    Task DeleteAsync(string name, string ifMatch, CancellationToken cancellationToken);

    /// <summary>Every object name, page by page (continuation tokens in S3).</summary>
    IAsyncEnumerable<string> ListAsync(CancellationToken cancellationToken);
}

/// <summary>One stored version of an object.</summary>
internal sealed record StoredObject(byte[] Data, string ETag);

/// <summary>A conditional write or delete was refused (412), or its If-Match target does not exist.</summary>
internal sealed class PreconditionFailedException : Exception
{
    public PreconditionFailedException()
    {
    }

    public PreconditionFailedException(string message)
        : base(message)
    {
    }

    public PreconditionFailedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
