using Coordinator.Storage;
using Microsoft.Extensions.Options;
using Orleans.Providers;

namespace Orleans.Hosting;

/// <summary><see cref="ISiloBuilder"/> extensions that add the encrypted grain storage providers, Orleans style.</summary>
public static class EncryptedGrainStorageSiloBuilderExtensions
{
    /// <summary>Adds an encrypted grain storage provider named <paramref name="name"/> on an S3-compatible store.</summary>
    public static ISiloBuilder AddEncryptedS3GrainStorage(this ISiloBuilder builder, string name, Action<EncryptedS3StorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddEncryptedS3GrainStorage(name, configure);
        return builder;
    }

    /// <summary>
    /// Adds an encrypted grain storage provider named <paramref name="name"/> on an S3-compatible store, configured
    /// through the options builder, for example <c>o =&gt; o.BindConfiguration("Coordinator:Storage")</c>.
    /// </summary>
    public static ISiloBuilder AddEncryptedS3GrainStorage(this ISiloBuilder builder, string name, Action<OptionsBuilder<EncryptedS3StorageOptions>> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddEncryptedS3GrainStorage(name, configureOptions);
        return builder;
    }

    /// <summary>Adds the encrypted S3 provider as the default grain storage.</summary>
    public static ISiloBuilder AddEncryptedS3GrainStorageAsDefault(this ISiloBuilder builder, Action<EncryptedS3StorageOptions> configure) =>
        builder.AddEncryptedS3GrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);

    /// <summary>Adds the encrypted S3 provider as the default grain storage, configured through the options builder.</summary>
    public static ISiloBuilder AddEncryptedS3GrainStorageAsDefault(this ISiloBuilder builder, Action<OptionsBuilder<EncryptedS3StorageOptions>> configureOptions) =>
        builder.AddEncryptedS3GrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);

    /// <summary>Adds an encrypted grain storage provider named <paramref name="name"/> on a local directory (single machine).</summary>
    public static ISiloBuilder AddEncryptedDirectoryGrainStorage(this ISiloBuilder builder, string name, Action<EncryptedDirectoryStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddEncryptedDirectoryGrainStorage(name, configure);
        return builder;
    }

    /// <summary>Adds an encrypted grain storage provider named <paramref name="name"/> on a local directory, configured through the options builder.</summary>
    public static ISiloBuilder AddEncryptedDirectoryGrainStorage(this ISiloBuilder builder, string name, Action<OptionsBuilder<EncryptedDirectoryStorageOptions>> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddEncryptedDirectoryGrainStorage(name, configureOptions);
        return builder;
    }

    /// <summary>Adds the encrypted local-directory provider as the default grain storage.</summary>
    public static ISiloBuilder AddEncryptedDirectoryGrainStorageAsDefault(this ISiloBuilder builder, Action<EncryptedDirectoryStorageOptions> configure) =>
        builder.AddEncryptedDirectoryGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);
}
