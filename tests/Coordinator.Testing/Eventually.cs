namespace Coordinator.Testing;

/// <summary>Retries for tests that wait for a real cluster to recover (a dead silo is declared dead after seconds).</summary>
public static class Eventually
{
    /// <summary>Calls <paramref name="call"/> until it returns without throwing, or rethrows its last exception after <paramref name="timeout"/>.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, TimeSpan timeout, TimeSpan? pause = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(pause ?? TimeSpan.FromMilliseconds(250));
            }
        }
    }
}
