namespace Coordinator.Testing;

/// <summary>Attaches the output of the real processes a test used to its failure message.</summary>
public static class InfraAssert
{
    /// <summary>
    /// Runs <paramref name="test"/>; if it throws, rethrows with the recent output of <paramref name="processes"/>
    /// appended, so the failure shows what Pebble, challtestsrv or the S3 server said.
    /// </summary>
    public static async Task WithOutputAsync(Func<Task> test, params TestProcess[] processes)
    {
        ArgumentNullException.ThrowIfNull(test);
        try
        {
            await test();
        }
        catch (Exception e)
        {
            throw new InfrastructureTestFailureException(e, processes);
        }
    }
}

/// <summary>A test failure carrying the recent output of the processes involved.</summary>
public sealed class InfrastructureTestFailureException : Exception
{
    /// <summary>Wraps <paramref name="inner"/> with the processes' output.</summary>
    public InfrastructureTestFailureException(Exception inner, IEnumerable<TestProcess> processes)
        : base(inner?.Message + "\n\n" + string.Concat((processes ?? []).Select(p => p.Output)), inner)
    {
    }
}
