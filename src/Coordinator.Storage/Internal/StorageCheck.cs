using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Coordinator.Storage.Internal;

/// <summary>
/// The provider's <see cref="IStorageCheck"/>: the start-up probe plus an open of every object, with the same key
/// ring the provider uses (built from the same named options).
/// </summary>
internal sealed partial class StorageCheck : IStorageCheck
{
    private const int MaxProblems = 100;
    private readonly string name;
    private readonly EncryptedGrainStorage storage;
    private readonly KeyRing ring;
    private readonly ILogger logger;

    public StorageCheck(string name, EncryptedGrainStorage storage, KeyRing ring, ILogger<StorageCheck> logger)
    {
        this.name = name;
        this.storage = storage;
        this.ring = ring;
        this.logger = logger;
    }

    /// <summary>Creates the check for the provider registered as <paramref name="name"/>.</summary>
    public static StorageCheck Create(IServiceProvider services, string name, EncryptedGrainStorage storage)
    {
        // The provider keeps its ring private; the ring is a pure function of the provider's named options.
        EncryptedStorageOptions options = storage.Store is S3ObjectStore
            ? services.GetRequiredService<IOptionsMonitor<EncryptedS3StorageOptions>>().Get(name)
            : services.GetRequiredService<IOptionsMonitor<EncryptedDirectoryStorageOptions>>().Get(name);
        return new StorageCheck(name, storage, KeyRing.Create(options.KeyRing, "KeyRing"), services.GetRequiredService<ILogger<StorageCheck>>());
    }

    public async Task<StorageCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        var store = storage.Store;
        var probeFailure = await ConditionalWriteProbe.RunAsync(store, cancellationToken);
        int objects = 0, readable = 0, unreadable = 0, skipped = 0;
        var byKeyId = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var problems = new List<string>();
        await foreach (var objectName in store.ListAsync(cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!ObjectNames.IsRotatable(objectName))
            {
                skipped++;
                continue;
            }

            var stored = await store.GetAsync(objectName, cancellationToken);
            if (stored is null)
            {
                continue; // deleted by its grain since the listing
            }

            objects++;
            var keyId = Envelope.PeekKeyId(stored.Data) ?? "(malformed)";
            byKeyId[keyId] = byKeyId.GetValueOrDefault(keyId) + 1;
            try
            {
                CryptographicOperations.ZeroMemory(Envelope.Open(ring, objectName, stored.Data, out _));
                readable++;
            }
            catch (EnvelopeException e)
            {
                unreadable++;
                LogUnreadable(logger, name, objectName, e.Message);
                if (problems.Count < MaxProblems)
                {
                    problems.Add($"{objectName}: {e.Message}");
                }
            }
        }

        LogChecked(logger, name, store.Location, probeFailure is null, objects, readable, unreadable, skipped);
        return new StorageCheckResult(store.Location, probeFailure, objects, readable, unreadable, skipped, byKeyId, ring.PrimaryKeyId, problems);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Encrypted grain storage {Provider}: storage check cannot open object {ObjectName}: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string provider, string objectName, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Encrypted grain storage {Provider}: storage check of {Location}: conditional writes honoured: {ConditionalWrites}; {Objects} objects, {Readable} readable, {Unreadable} unreadable, {Skipped} skipped")]
    private static partial void LogChecked(ILogger logger, string provider, string location, bool conditionalWrites, int objects, int readable, int unreadable, int skipped);
}
