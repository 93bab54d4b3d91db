namespace Coordinator.Storage;

/// <summary>
/// The master keys of an encrypted grain storage provider. New writes are sealed with the key named by
/// <see cref="PrimaryKeyId"/>; reads accept every key in <see cref="Keys"/>. To rotate: add a new key, make it the
/// primary on every silo, call <see cref="IKeyRotation.RotateAsync"/>, and only when it reports
/// <see cref="RotationResult.Complete"/> remove the old key.
/// </summary>
/// <remarks>
/// Configuration shape (for example under <c>Coordinator:Storage:KeyRing</c>):
/// <code>
/// "KeyRing": { "PrimaryKeyId": "2026-12", "Keys": { "2026-06": "base64...", "2026-12": "base64..." } }
/// </code>
/// The key material is never logged, never put into exception messages or telemetry, and never stored in the bucket.
/// </remarks>
public sealed class KeyRingOptions
{
    /// <summary>
    /// Keys by id. Each value is a base64-encoded 32-byte key (make one with <see cref="EncryptionKey.GenerateBase64"/>).
    /// A key id is 1 to 64 characters of <c>A-Z a-z 0-9 . _ -</c>; it is stored in clear in every object's envelope.
    /// Default: empty (start-up fails and says so).
    /// </summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The id of the key in <see cref="Keys"/> that seals new writes. Default: none (required).</summary>
    public string? PrimaryKeyId { get; set; }

    /// <inheritdoc />
    public override string ToString() =>
        $"KeyRing(PrimaryKeyId={PrimaryKeyId}, KeyIds=[{string.Join(", ", Keys.Keys.Order(StringComparer.Ordinal))}])";
}
