using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Coordinator.Storage.Internal;

/// <summary>Builds a provider instance for one name from its named options.</summary>
internal static class EncryptedGrainStorageFactory
{
    public static EncryptedGrainStorage CreateS3(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<EncryptedS3StorageOptions>>().Get(name);
        OptionsValidation.ThrowIfInvalid(name, OptionsValidation.Validate(options));
        return Create(services, name, options, S3ObjectStore.Create(options), options.AllowStoreWithoutConditionalWrites);
    }

    public static EncryptedGrainStorage CreateDirectory(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<EncryptedDirectoryStorageOptions>>().Get(name);
        OptionsValidation.ThrowIfInvalid(name, OptionsValidation.Validate(options));
        return Create(services, name, options, new DirectoryObjectStore(options.Directory!), allowUnconditionalStore: false);
    }

    internal static EncryptedGrainStorage Create(IServiceProvider services, string name, EncryptedStorageOptions options, IObjectStore store, bool allowUnconditionalStore)
    {
        var serializer = options.GrainStorageSerializer ?? new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>());
        return new EncryptedGrainStorage(
            name,
            store,
            KeyRing.Create(options.KeyRing, "KeyRing"),
            serializer,
            services.GetRequiredService<ILogger<EncryptedGrainStorage>>(),
            allowUnconditionalStore,
            options.InitStage,
            services.GetService<IActivatorProvider>());
    }
}
