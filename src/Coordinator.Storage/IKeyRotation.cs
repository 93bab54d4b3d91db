namespace Coordinator.Storage;

/// <summary>
/// Re-seals every object of one encrypted grain storage provider under the current primary key, while the cluster
/// keeps running. Resolve it from the silo's services by provider name:
/// <c>services.GetRequiredKeyedService&lt;IKeyRotation&gt;("name")</c>.
/// </summary>
/// <remarks>
/// Safe against live writes: each object is re-sealed with <c>If-Match</c> on the ETag it was read with, so a grain
/// write in between wins and the object is read again; a grain whose object was re-sealed under it keeps writing
/// (the provider recognises a re-seal by the write id sealed inside the object). Safe to run again after a partial
/// run. Honours cancellation between objects.
/// </remarks>
public interface IKeyRotation
{
    /// <summary>Re-seals every object not yet sealed with the primary key.</summary>
    Task<RotationResult> RotateAsync(CancellationToken cancellationToken);
}

/// <summary>What one <see cref="IKeyRotation.RotateAsync"/> run did.</summary>
/// <param name="Examined">Objects listed and read.</param>
/// <param name="Resealed">Objects re-sealed under the primary key by this run.</param>
/// <param name="AlreadyCurrent">Objects already sealed with the primary key (including those a grain rewrote meanwhile).</param>
/// <param name="Conflicts">Re-seals that lost a race with a grain write and were retried.</param>
/// <param name="Vanished">Objects deleted by their grain while the rotation ran.</param>
/// <param name="Failed">Objects that could not be opened or re-sealed; they still need their old key.</param>
/// <param name="PrimaryKeyId">The key everything was re-sealed under.</param>
public sealed record RotationResult(int Examined, int Resealed, int AlreadyCurrent, int Conflicts, int Vanished, int Failed, string PrimaryKeyId)
{
    /// <summary>True when every object is now sealed with <see cref="PrimaryKeyId"/>: older keys may be removed.</summary>
    public bool Complete => Failed == 0;
}
