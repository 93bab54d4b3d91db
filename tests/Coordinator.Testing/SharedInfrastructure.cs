namespace Coordinator.Testing;

/// <summary>
/// One Pebble (default configuration) and one of each S3 server per test process, started on first use and
/// stopped when the process exits. Tests that need a different Pebble start their own with <see cref="PebbleServer.StartAsync"/>.
/// </summary>
public static class SharedInfrastructure
{
    private static readonly Lazy<Task<PebbleServer>> SharedPebble = new(() => StartAndOwn(PebbleServer.StartAsync()));
    private static readonly Lazy<Task<S3Server>> SharedConditional = new(() => StartAndOwn(S3Server.StartAsync(S3ServerKind.Conditional)));
    private static readonly Lazy<Task<S3Server>> SharedIgnoring = new(() => StartAndOwn(S3Server.StartAsync(S3ServerKind.IgnoresConditions)));

    /// <summary>The shared Pebble (VA no-sleep, Pebble's other defaults).</summary>
    public static Task<PebbleServer> PebbleAsync() => SharedPebble.Value;

    /// <summary>The shared S3 server that honours conditional writes.</summary>
    public static Task<S3Server> S3Async() => SharedConditional.Value;

    /// <summary>The shared S3 server that ignores conditional writes.</summary>
    public static Task<S3Server> S3IgnoringConditionsAsync() => SharedIgnoring.Value;

    private static async Task<T> StartAndOwn<T>(Task<T> start)
        where T : IAsyncDisposable
    {
        var value = await start;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => value.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return value;
    }
}
