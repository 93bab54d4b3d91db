namespace Coordinator.Storage;

/// <summary>
/// Settings of the encrypted grain storage provider on a local directory: the embedded default for a single
/// machine. Objects are files written by atomic rename; conditional writes are enforced with a lock file, so
/// several processes on the machine may share the directory.
/// </summary>
public sealed class EncryptedDirectoryStorageOptions : EncryptedStorageOptions
{
    /// <summary>The directory; created if missing. Default: none (required).</summary>
    public string? Directory { get; set; }
}
