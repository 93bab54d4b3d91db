using Coordinator.Storage;
using Coordinator.Storage.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.Hosting;

/// <summary><see cref="IServiceCollection"/> extensions that register the encrypted grain storage providers.</summary>
public static class EncryptedGrainStorageServiceCollectionExtensions
{
    /// <summary>Adds an encrypted grain storage provider named <paramref name="name"/> on an S3-compatible store.</summary>
    public static IServiceCollection AddEncryptedS3GrainStorage(this IServiceCollection services, string name, Action<EncryptedS3StorageOptions> configure) =>
        services.AddEncryptedS3GrainStorage(name, ob => ob.Configure(configure));

    /// <summary>
    /// Adds an encrypted grain storage provider named <paramref name="name"/> on an S3-compatible store, with the
    /// options builder, for example <c>o =&gt; o.BindConfiguration("Coordinator:Storage")</c>. Also registers the
    /// provider's <see cref="IKeyRotation"/> as a keyed service under <paramref name="name"/>.
    /// </summary>
    public static IServiceCollection AddEncryptedS3GrainStorage(this IServiceCollection services, string name, Action<OptionsBuilder<EncryptedS3StorageOptions>> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configureOptions);
        configureOptions(services.AddOptions<EncryptedS3StorageOptions>(name));
        services.AddTransient<IConfigurationValidator>(sp => new EncryptedStorageOptionsValidator(
            name, () => OptionsValidation.Validate(sp.GetRequiredService<IOptionsMonitor<EncryptedS3StorageOptions>>().Get(name))));
        return services.AddEncryptedProvider(name, EncryptedGrainStorageFactory.CreateS3);
    }

    /// <summary>Adds the encrypted S3 provider as the default grain storage (<c>[PersistentState("x")]</c> without a provider name).</summary>
    public static IServiceCollection AddEncryptedS3GrainStorageAsDefault(this IServiceCollection services, Action<EncryptedS3StorageOptions> configure) =>
        services.AddEncryptedS3GrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);

    /// <summary>Adds the encrypted S3 provider as the default grain storage, configured through the options builder.</summary>
    public static IServiceCollection AddEncryptedS3GrainStorageAsDefault(this IServiceCollection services, Action<OptionsBuilder<EncryptedS3StorageOptions>> configureOptions) =>
        services.AddEncryptedS3GrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);

    /// <summary>Adds an encrypted grain storage provider named <paramref name="name"/> on a local directory.</summary>
    public static IServiceCollection AddEncryptedDirectoryGrainStorage(this IServiceCollection services, string name, Action<EncryptedDirectoryStorageOptions> configure) =>
        services.AddEncryptedDirectoryGrainStorage(name, ob => ob.Configure(configure));

    /// <summary>Adds an encrypted grain storage provider named <paramref name="name"/> on a local directory, with the options builder.</summary>
    public static IServiceCollection AddEncryptedDirectoryGrainStorage(this IServiceCollection services, string name, Action<OptionsBuilder<EncryptedDirectoryStorageOptions>> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configureOptions);
        configureOptions(services.AddOptions<EncryptedDirectoryStorageOptions>(name));
        services.AddTransient<IConfigurationValidator>(sp => new EncryptedStorageOptionsValidator(
            name, () => OptionsValidation.Validate(sp.GetRequiredService<IOptionsMonitor<EncryptedDirectoryStorageOptions>>().Get(name))));
        return services.AddEncryptedProvider(name, EncryptedGrainStorageFactory.CreateDirectory);
    }

    /// <summary>Adds the encrypted local-directory provider as the default grain storage.</summary>
    public static IServiceCollection AddEncryptedDirectoryGrainStorageAsDefault(this IServiceCollection services, Action<EncryptedDirectoryStorageOptions> configure) =>
        services.AddEncryptedDirectoryGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);

    private static IServiceCollection AddEncryptedProvider(this IServiceCollection services, string name, Func<IServiceProvider, string, EncryptedGrainStorage> factory)
    {
        services.AddGrainStorage(name, factory);

        // EncryptedStorageException may carry an AWSSDK exception as its cause; let Orleans serialize it to the caller.
        services.Configure<ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Amazon"));
        services.AddKeyedSingleton<IKeyRotation>(name, (sp, _) => (EncryptedGrainStorage)sp.GetRequiredKeyedService<IGrainStorage>(name));
        services.AddKeyedSingleton<IStorageCheck>(name, (sp, _) => StorageCheck.Create(sp, name, (EncryptedGrainStorage)sp.GetRequiredKeyedService<IGrainStorage>(name)));
        return services;
    }
}
