namespace Coordinator.Storage.Internal;

/// <summary>
/// Finds out whether a store honours conditional writes: creates a probe object with <c>If-None-Match: *</c>,
/// creates it again (must be refused), replaces it with <c>If-Match</c> on a wrong ETag (must be refused), then
/// deletes it. Some S3 clones answer 200 to all of these and overwrite.
/// </summary>
internal static class ConditionalWriteProbe
{
    private const string WrongETag = "\"00000000000000000000000000000000\"";

    /// <summary>Null when the store honours conditions, else what it failed to refuse.</summary>
    public static async Task<string?> RunAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        var name = ObjectNames.NewProbe();
        var body = new byte[] { (byte)'p', (byte)'r', (byte)'o', (byte)'b', (byte)'e' };
        await store.PutAsync(name, body, ifMatch: null, cancellationToken);
        string? failure = null;
        try
        {
            try
            {
                await store.PutAsync(name, body, ifMatch: null, cancellationToken);
                failure = "a second create with If-None-Match: * succeeded (it must answer 412 Precondition Failed)";
            }
            catch (PreconditionFailedException)
            {
            }

            if (failure is null)
            {
                try
                {
                    await store.PutAsync(name, body, WrongETag, cancellationToken);
                    failure = "a write with If-Match on a wrong ETag succeeded (it must answer 412 Precondition Failed)";
                }
                catch (PreconditionFailedException)
                {
                }
            }
        }
        finally
        {
            var current = await store.GetAsync(name, cancellationToken);
            if (current is not null)
            {
                try
                {
                    await store.DeleteAsync(name, current.ETag, cancellationToken);
                }
                catch (PreconditionFailedException)
                {
                    // Someone else removed or changed it; a probe object has no value.
                }
            }
        }

        return failure;
    }
}
