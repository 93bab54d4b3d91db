using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Coordinator.Storage.Internal;

/// <summary>
/// The Orleans <see cref="IGrainStorage"/>: serializes grain state, seals it (<see cref="Envelope"/>), and stores it
/// under a keyed-hash name (<see cref="ObjectNames"/>) with conditional writes. Also the provider's
/// <see cref="IKeyRotation"/>.
/// </summary>
/// <remarks>
/// The plaintext of a state object is a 16-byte random write id followed by the serialized state. The ETag handed to
/// Orleans is <c>&lt;write id hex&gt;:&lt;store ETag&gt;</c>. When a conditional write fails, the provider reads the
/// object again: if it still carries the grain's write id, only a key rotation re-sealed it, and the write is retried
/// against the new store ETag; otherwise another activation wrote it and the write fails with
/// <see cref="InconsistentStateException"/>. So rotation never costs a grain its write, and a stale activation never wins.
/// </remarks>
internal sealed partial class EncryptedGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IKeyRotation, IDisposable
{
    private const int WriteIdLength = 16;
    private const int MaxResealRetries = 8;
    private readonly string name;
    private readonly IObjectStore store;
    private readonly KeyRing ring;
    private readonly IGrainStorageSerializer serializer;
    private readonly ILogger logger;
    private readonly bool allowUnconditionalStore;
    private readonly int initStage;
    private readonly IActivatorProvider? activators;
    private readonly SemaphoreSlim initLock = new(1, 1);
    private byte[]? namingKey;

    public EncryptedGrainStorage(
        string name,
        IObjectStore store,
        KeyRing ring,
        IGrainStorageSerializer serializer,
        ILogger<EncryptedGrainStorage> logger,
        bool allowUnconditionalStore,
        int initStage,
        IActivatorProvider? activators = null)
    {
        this.activators = activators;
        this.name = name;
        this.store = store;
        this.ring = ring;
        this.serializer = serializer;
        this.logger = logger;
        this.allowUnconditionalStore = allowUnconditionalStore;
        this.initStage = initStage;
    }

    internal IObjectStore Store => store;

    public void Dispose()
    {
        initLock.Dispose();
        (store as IDisposable)?.Dispose();
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(OptionFormattingUtilities.Name<EncryptedGrainStorage>(name), initStage, InitializeAsync);

    /// <summary>Probes the store's conditional writes and loads (or creates) the naming key. Idempotent.</summary>
    internal async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (namingKey is not null)
        {
            return;
        }

        await initLock.WaitAsync(cancellationToken);
        try
        {
            if (namingKey is not null)
            {
                return;
            }

            using var op = StorageTelemetry.Start(name, "init", null);
            string? probeFailure;
            try
            {
                probeFailure = await ConditionalWriteProbe.RunAsync(store, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                op.Failed(e.GetType().Name);
                throw new EncryptedStorageException(
                    $"Encrypted grain storage '{name}' cannot use {store.Location}: {e.Message} {store.ConfigurationHint}", e);
            }

            if (probeFailure is not null)
            {
                if (!allowUnconditionalStore)
                {
                    op.Failed("conditional_writes_ignored");
                    throw new EncryptedStorageException(
                        $"Encrypted grain storage '{name}' refuses to start: {store.Location} ignores conditional writes — {probeFailure}. " +
                        "Without them two activations of a grain can overwrite each other's state. Use a store that honours " +
                        "If-None-Match/If-Match (AWS S3, MinIO, R2, B2, ...), or, only if a single silo ever uses this store, " +
                        "set AllowStoreWithoutConditionalWrites = true.");
                }

                LogUnconditionalStoreAllowed(logger, name, store.Location, probeFailure);
            }

            namingKey = await LoadOrCreateNamingKeyAsync(cancellationToken);
            LogInitialized(logger, name, store.Location, ring.PrimaryKeyId, probeFailure is null);
        }
        finally
        {
            initLock.Release();
        }
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var objectName = ObjectName(stateName, grainId);
        using var op = StorageTelemetry.Start(name, "read", stateName);
        try
        {
            var stored = await store.GetAsync(objectName, CancellationToken.None);
            if (stored is null)
            {
                // No record (never written, or cleared by another activation): a fresh state, as Orleans creates it.
                if (activators is not null)
                {
                    grainState.State = activators.GetActivator<T>().Create();
                }

                grainState.ETag = null;
                grainState.RecordExists = false;
                return;
            }

            op.Transferred(stored.Data.Length, written: false);
            var plaintext = OpenState(stored, objectName, stateName, grainId, out var writeId);
            grainState.State = serializer.Deserialize<T>(new BinaryData(plaintext.AsMemory(WriteIdLength)));
            grainState.ETag = FormatETag(writeId, stored.ETag);
            grainState.RecordExists = true;
        }
        catch (Exception e)
        {
            op.Failed(e is EncryptedStorageException ? "open_failed" : e.GetType().Name);
            throw Wrap(e, "read", stateName, grainId);
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var objectName = ObjectName(stateName, grainId);
        using var op = StorageTelemetry.Start(name, "write", stateName);
        try
        {
            var expected = ParseETag(grainState.ETag, "write", stateName, grainId);
            var serialized = serializer.Serialize(grainState.State).ToMemory();
            var writeId = RandomNumberGenerator.GetBytes(WriteIdLength);
            var plaintext = new byte[WriteIdLength + serialized.Length];
            writeId.CopyTo(plaintext, 0);
            serialized.Span.CopyTo(plaintext.AsSpan(WriteIdLength));
            var sealedBytes = Envelope.Seal(ring, objectName, plaintext);
            CryptographicOperations.ZeroMemory(plaintext);

            var storeETag = await ConditionalAsync(
                expected,
                writeId,
                objectName,
                stateName,
                grainId,
                "write",
                async ifMatch => await store.PutAsync(objectName, sealedBytes, ifMatch, CancellationToken.None));
            op.Transferred(sealedBytes.Length, written: true);
            grainState.ETag = FormatETag(writeId, storeETag!);
            grainState.RecordExists = true;
        }
        catch (Exception e)
        {
            op.Failed(e is InconsistentStateException ? "conflict" : e.GetType().Name);
            throw Wrap(e, "write", stateName, grainId);
        }
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var objectName = ObjectName(stateName, grainId);
        using var op = StorageTelemetry.Start(name, "clear", stateName);
        try
        {
            var expected = ParseETag(grainState.ETag, "clear", stateName, grainId);
            if (expected is null)
            {
                // Nothing was ever read or written by this activation: clearing is only consistent if nothing exists.
                if (await store.GetAsync(objectName, CancellationToken.None) is not null)
                {
                    throw Conflict("clear", stateName, grainId, grainState.ETag);
                }
            }
            else
            {
                await ConditionalAsync(
                    expected,
                    null,
                    objectName,
                    stateName,
                    grainId,
                    "clear",
                    async ifMatch =>
                    {
                        await store.DeleteAsync(objectName, ifMatch!, CancellationToken.None);
                        return null;
                    });
            }

            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        catch (Exception e)
        {
            op.Failed(e is InconsistentStateException ? "conflict" : e.GetType().Name);
            throw Wrap(e, "clear", stateName, grainId);
        }
    }

    public async Task<RotationResult> RotateAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        using var op = StorageTelemetry.Start(name, "rotate", null);
        int examined = 0, resealed = 0, current = 0, conflicts = 0, vanished = 0, failed = 0;
        LogRotationStarted(logger, name, ring.PrimaryKeyId);
        await foreach (var objectName in store.ListAsync(cancellationToken))
        {
            if (!ObjectNames.IsRotatable(objectName))
            {
                continue; // probe leftovers, or objects of something else sharing the bucket/prefix
            }

            examined++;
            var done = false;
            for (var attempt = 0; attempt < MaxResealRetries && !done; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var stored = await store.GetAsync(objectName, cancellationToken);
                if (stored is null)
                {
                    vanished++;
                    done = true;
                    continue;
                }

                if (string.Equals(Envelope.PeekKeyId(stored.Data), ring.PrimaryKeyId, StringComparison.Ordinal))
                {
                    current++;
                    done = true;
                    continue;
                }

                byte[] plaintext;
                try
                {
                    plaintext = Envelope.Open(ring, objectName, stored.Data, out _);
                }
                catch (EnvelopeException e)
                {
                    LogRotationCannotOpen(logger, name, objectName, e.Message);
                    failed++;
                    done = true;
                    continue;
                }

                var resealedBytes = Envelope.Seal(ring, objectName, plaintext);
                CryptographicOperations.ZeroMemory(plaintext);
                try
                {
                    await store.PutAsync(objectName, resealedBytes, stored.ETag, cancellationToken);
                    op.Transferred(resealedBytes.Length, written: true);
                    resealed++;
                    done = true;
                }
                catch (PreconditionFailedException)
                {
                    // A grain wrote (or cleared) the object since we read it: read it again.
                    conflicts++;
                }
            }

            if (!done)
            {
                LogRotationGaveUp(logger, name, objectName, MaxResealRetries);
                failed++;
            }
        }

        if (failed > 0)
        {
            op.Failed("incomplete");
        }

        var result = new RotationResult(examined, resealed, current, conflicts, vanished, failed, ring.PrimaryKeyId);
        LogRotationFinished(logger, name, ring.PrimaryKeyId, examined, resealed, current, conflicts, vanished, failed);
        return result;
    }

    /// <summary>
    /// Runs a conditional write or delete. When the store refuses it, reads the object once more to tell a real
    /// conflict from two harmless cases: the object still carries the write id this activation last saw (only a key
    /// rotation re-sealed it: retry against the new store ETag), or it carries <paramref name="ownWriteId"/> (this very
    /// write already landed and the SDK's retry of it was refused: done).
    /// </summary>
    private async Task<string?> ConditionalAsync(
        ExpectedVersion? expected,
        byte[]? ownWriteId,
        string objectName,
        string stateName,
        GrainId grainId,
        string operation,
        Func<string?, Task<string?>> attempt)
    {
        var ifMatch = expected?.StoreETag;
        for (var retry = 0; ; retry++)
        {
            try
            {
                return await attempt(ifMatch);
            }
            catch (PreconditionFailedException refused)
            {
                // The cause handed on is the store's own refusal (AWSSDK); the internal wrapper must not cross grain calls.
                var current = await store.GetAsync(objectName, CancellationToken.None);
                if (current is null || retry >= MaxResealRetries)
                {
                    throw Conflict(operation, stateName, grainId, expected?.ToString(), refused.InnerException);
                }

                byte[] currentWriteId;
                try
                {
                    CryptographicOperations.ZeroMemory(OpenState(current, objectName, stateName, grainId, out currentWriteId));
                }
                catch (EncryptedStorageException unreadable)
                {
                    // Whatever is there, this activation did not write it and will not overwrite it.
                    throw Conflict(operation, stateName, grainId, expected?.ToString(), unreadable);
                }

                if (ownWriteId is not null && currentWriteId.AsSpan().SequenceEqual(ownWriteId))
                {
                    return current.ETag;
                }

                if (expected is null || !currentWriteId.AsSpan().SequenceEqual(expected.WriteId))
                {
                    throw Conflict(operation, stateName, grainId, expected?.ToString(), refused.InnerException);
                }

                LogResealedMeanwhile(logger, name, stateName, grainId);
                ifMatch = current.ETag;
            }
        }
    }

    private byte[] OpenState(StoredObject stored, string objectName, string stateName, GrainId grainId, out byte[] writeId)
    {
        byte[] plaintext;
        string keyId;
        try
        {
            plaintext = Envelope.Open(ring, objectName, stored.Data, out keyId);
        }
        catch (EnvelopeException e)
        {
            LogCannotOpen(logger, name, stateName, grainId, e.KeyId, e.Message);
            throw new EncryptedStorageException(
                $"Encrypted grain storage '{name}' could not open the state '{stateName}' of grain {grainId}: {e.Message}. " +
                "The stored object was left as it is and will not be overwritten by this grain.",
                stateName,
                grainId.ToString(),
                e.KeyId,
                null); // the reason is in the message; the internal exception type must not cross grain calls
        }

        if (plaintext.Length < WriteIdLength)
        {
            throw new EncryptedStorageException(
                $"Encrypted grain storage '{name}' could not open the state '{stateName}' of grain {grainId}: the sealed content is {plaintext.Length} bytes, too short to be grain state.",
                stateName,
                grainId.ToString(),
                keyId,
                null);
        }

        writeId = plaintext.AsSpan(0, WriteIdLength).ToArray();
        return plaintext;
    }

    internal string ObjectName(string stateName, GrainId grainId)
    {
        var key = namingKey ?? throw new InvalidOperationException(
            $"Encrypted grain storage '{name}' is used before the silo started it (its lifecycle stage {initStage} has not run).");
        return ObjectNames.ForState(key, stateName, grainId.ToString());
    }

    private async Task<byte[]> LoadOrCreateNamingKeyAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var stored = await store.GetAsync(ObjectNames.NamingKey, cancellationToken);
            if (stored is not null)
            {
                byte[] key;
                try
                {
                    key = Envelope.Open(ring, ObjectNames.NamingKey, stored.Data, out _);
                }
                catch (EnvelopeException e)
                {
                    throw new EncryptedStorageException(
                        $"Encrypted grain storage '{name}' could not open the naming key object '{ObjectNames.NamingKey}' in {store.Location}: {e.Message}. " +
                        "Is this store used by another cluster with other keys, or was a key removed from KeyRing:Keys before its rotation completed?",
                        null,
                        null,
                        e.KeyId,
                        null);
                }

                if (key.Length != 32)
                {
                    throw new EncryptedStorageException($"Encrypted grain storage '{name}': the naming key object in {store.Location} holds {key.Length} bytes, expected 32.");
                }

                return key;
            }

            var fresh = RandomNumberGenerator.GetBytes(32);
            try
            {
                await store.PutAsync(ObjectNames.NamingKey, Envelope.Seal(ring, ObjectNames.NamingKey, fresh), ifMatch: null, cancellationToken);
                LogNamingKeyCreated(logger, name, store.Location);
                return fresh;
            }
            catch (PreconditionFailedException)
            {
                // Another silo created it first: read theirs.
            }
        }

        throw new EncryptedStorageException($"Encrypted grain storage '{name}' could not create or read its naming key in {store.Location}.");
    }

    private Exception Wrap(Exception e, string operation, string stateName, GrainId grainId)
    {
        if (e is InconsistentStateException or EncryptedStorageException)
        {
            return e;
        }

        LogOperationFailed(logger, e, name, operation, stateName, grainId);
        return new EncryptedStorageException(
            $"Encrypted grain storage '{name}' failed to {operation} the state '{stateName}' of grain {grainId} in {store.Location}: {e.GetType().Name}: {e.Message}",
            stateName,
            grainId.ToString(),
            null,
            e);
    }

    private InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? etag, Exception? inner = null)
    {
        var message = $"Encrypted grain storage '{name}': {operation} of state '{stateName}' of grain {grainId} was refused because the stored version changed (ETag {etag ?? "none"} is stale; another activation wrote or cleared it).";
        return inner is null ? new InconsistentStateException(message) : new InconsistentStateException(message, inner);
    }

    private ExpectedVersion? ParseETag(string? etag, string operation, string stateName, GrainId grainId)
    {
        if (etag is null)
        {
            return null;
        }

        var colon = etag.IndexOf(':', StringComparison.Ordinal);
        if (colon != WriteIdLength * 2 || etag.Length == colon + 1)
        {
            throw Conflict(operation, stateName, grainId, etag);
        }

        byte[] writeId;
        try
        {
            writeId = Convert.FromHexString(etag.AsSpan(0, colon));
        }
        catch (FormatException)
        {
            throw Conflict(operation, stateName, grainId, etag);
        }

        return new ExpectedVersion(writeId, etag[(colon + 1)..]);
    }

    private static string FormatETag(byte[] writeId, string storeETag) => Convert.ToHexStringLower(writeId) + ":" + storeETag;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Encrypted grain storage {Provider}: {Location} IGNORES conditional writes ({ProbeFailure}). Starting anyway because AllowStoreWithoutConditionalWrites is set: concurrent activations of a grain can overwrite each other's state. Use a store that honours If-None-Match/If-Match.")]
    private static partial void LogUnconditionalStoreAllowed(ILogger logger, string provider, string location, string probeFailure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Encrypted grain storage {Provider} started on {Location}; primary key id {PrimaryKeyId}; conditional writes honoured: {ConditionalWrites}")]
    private static partial void LogInitialized(ILogger logger, string provider, string location, string primaryKeyId, bool conditionalWrites);

    [LoggerMessage(Level = LogLevel.Information, Message = "Encrypted grain storage {Provider} created its naming key in {Location}")]
    private static partial void LogNamingKeyCreated(ILogger logger, string provider, string location);

    [LoggerMessage(Level = LogLevel.Error, Message = "Encrypted grain storage {Provider} could not open state {StateName} of grain {GrainId} (key id {KeyId}): {Reason}")]
    private static partial void LogCannotOpen(ILogger logger, string provider, string stateName, GrainId grainId, string? keyId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Encrypted grain storage {Provider} failed to {Operation} state {StateName} of grain {GrainId}")]
    private static partial void LogOperationFailed(ILogger logger, Exception exception, string provider, string operation, string stateName, GrainId grainId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Encrypted grain storage {Provider}: state {StateName} of grain {GrainId} was re-sealed by a key rotation since it was read; retrying the write")]
    private static partial void LogResealedMeanwhile(ILogger logger, string provider, string stateName, GrainId grainId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Encrypted grain storage {Provider}: key rotation to {PrimaryKeyId} started")]
    private static partial void LogRotationStarted(ILogger logger, string provider, string primaryKeyId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Encrypted grain storage {Provider}: key rotation cannot open object {ObjectName}: {Reason}")]
    private static partial void LogRotationCannotOpen(ILogger logger, string provider, string objectName, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Encrypted grain storage {Provider}: key rotation gave up on object {ObjectName} after {Attempts} conflicting writes")]
    private static partial void LogRotationGaveUp(ILogger logger, string provider, string objectName, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Encrypted grain storage {Provider}: key rotation to {PrimaryKeyId} finished: {Examined} examined, {Resealed} re-sealed, {Current} already current, {Conflicts} conflicts retried, {Vanished} vanished, {Failed} failed")]
    private static partial void LogRotationFinished(ILogger logger, string provider, string primaryKeyId, int examined, int resealed, int current, int conflicts, int vanished, int failed);

    private sealed record ExpectedVersion(byte[] WriteId, string StoreETag)
    {
        public override string ToString() => Convert.ToHexStringLower(WriteId) + ":" + StoreETag;
    }
}
