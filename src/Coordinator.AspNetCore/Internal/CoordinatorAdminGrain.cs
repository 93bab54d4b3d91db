using Coordinator.Grains;
using Coordinator.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Coordinator.AspNetCore.Internal;

/// <summary>
/// <see cref="ICoordinatorAdminGrain"/> on the silo: forwards to the storage provider's keyed <see cref="IKeyRotation"/>
/// and <see cref="IStorageCheck"/> (every silo has them; they all see the same store). A plain grain, not a stateless
/// worker, so that two rotations never run at once.
/// </summary>
internal sealed partial class CoordinatorAdminGrain(IServiceProvider services, ILocalSiloDetails silo, ILogger<CoordinatorAdminGrain> logger)
    : Grain, ICoordinatorAdminGrain
{
    public async Task<KeyRotationReport> RotateKeysAsync()
    {
        var rotation = services.GetKeyedService<IKeyRotation>(CoordinatorStorage.Name) ?? throw NoProvider();
        LogRotating(logger);
        var r = await rotation.RotateAsync(CancellationToken.None);
        return new KeyRotationReport
        {
            Examined = r.Examined,
            Resealed = r.Resealed,
            AlreadyCurrent = r.AlreadyCurrent,
            Conflicts = r.Conflicts,
            Vanished = r.Vanished,
            Failed = r.Failed,
            PrimaryKeyId = r.PrimaryKeyId,
            Complete = r.Complete,
            Silo = silo.Name,
        };
    }

    public async Task<StorageCheckReport> CheckStorageAsync()
    {
        var check = services.GetKeyedService<IStorageCheck>(CoordinatorStorage.Name) ?? throw NoProvider();
        var r = await check.CheckAsync(CancellationToken.None);
        return new StorageCheckReport
        {
            Location = r.Location,
            ConditionalWritesHonoured = r.ConditionalWritesHonoured,
            ConditionalWriteFailure = r.ConditionalWriteFailure,
            Objects = r.Objects,
            Readable = r.Readable,
            Unreadable = r.Unreadable,
            Skipped = r.Skipped,
            ObjectsByKeyId = new Dictionary<string, int>(r.ObjectsByKeyId, StringComparer.Ordinal),
            PrimaryKeyId = r.PrimaryKeyId,
            Problems = r.Problems.ToList(),
            Healthy = r.Healthy,
            Silo = silo.Name,
        };
    }

    private static InvalidOperationException NoProvider() => new(
        $"This silo has no encrypted grain storage provider named '{CoordinatorStorage.Name}'. Register it with AddEncryptedS3GrainStorage or AddEncryptedDirectoryGrainStorage (AddCoordinator does).");

    [LoggerMessage(Level = LogLevel.Information, Message = "Key rotation requested by an admin client")]
    private static partial void LogRotating(ILogger logger);
}
