using Orleans;
using Orleans.Storage;

namespace Coordinator.Storage;

/// <summary>Settings shared by the S3 and the local-directory encrypted grain storage providers.</summary>
public abstract class EncryptedStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>The master keys. Required: at least one key and a <see cref="KeyRingOptions.PrimaryKeyId"/>.</summary>
    public KeyRingOptions KeyRing { get; set; } = new();

    /// <summary>
    /// Serializes grain state before it is sealed. Default: Orleans' binary serializer
    /// (<see cref="OrleansGrainStorageSerializer"/>), so <c>[GenerateSerializer]</c> state types work and
    /// <c>byte[]</c> members are stored compactly.
    /// </summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;

    /// <summary>
    /// The silo lifecycle stage at which the provider probes the store and loads its naming key.
    /// Default: <see cref="ServiceLifecycleStage.ApplicationServices"/> (before any grain can activate).
    /// </summary>
    public int InitStage { get; set; } = ServiceLifecycleStage.ApplicationServices;
}
