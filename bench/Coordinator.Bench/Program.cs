namespace Coordinator.Bench;

/// <summary>
/// Entry point of <c>./build.sh bench &lt;name&gt;</c>: dispatches on the first argument to one benchmark's
/// static <c>RunAsync</c>. Each benchmark prints one <c>name: value</c> line per figure on standard output.
/// To add one: a file <c>&lt;Area&gt;Bench.cs</c> with <c>public static Task&lt;int&gt; RunAsync(string[] args)</c>
/// and a line in <see cref="Benchmarks"/>.
/// </summary>
public static class Program
{
    private static readonly Dictionary<string, Func<string[], Task<int>>> Benchmarks = new(StringComparer.Ordinal)
    {
        ["failover"] = FailoverBench.RunAsync,
        ["registry"] = RegistryBench.RunAsync,
        ["storage"] = StorageBench.RunAsync,
        ["acme"] = AcmeBench.RunAsync,
        ["handshake"] = HandshakeBench.RunAsync,
        ["propagation"] = PropagationBench.RunAsync,
    };

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || !Benchmarks.TryGetValue(args[0], out var run))
        {
            Console.Error.WriteLine($"usage: ./build.sh bench <name>   where <name> is one of: {string.Join(", ", Benchmarks.Keys.Order(StringComparer.Ordinal))}");
            return 2;
        }

        return await run(args[1..]);
    }
}
