using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Coordinator.Testing;

namespace Coordinator.Cli.Tests;

/// <summary>One run of the built <c>coordinator</c> tool (<c>dotnet Coordinator.Cli.dll ...</c>) as a real process.</summary>
public sealed record CliResult(int ExitCode, string StdOut, string StdErr, TimeSpan Elapsed)
{
    public JsonElement Json()
    {
        try
        {
            using var doc = JsonDocument.Parse(StdOut);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"stdout is not JSON ({e.Message}):\n{this}", e);
        }
    }

    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:0.0}s\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

public static class Cli
{
    /// <summary>The built CLI assembly for the configuration the tests were built in.</summary>
    public static string Assembly
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            return InfraPaths.Require(Path.Combine(InfraPaths.RepositoryRoot, "hosts", "Coordinator.Cli", "bin", configuration, "net10.0", "Coordinator.Cli.dll"),
                $"the built Coordinator.Cli ({configuration})");
        }
    }

    /// <summary>Runs the CLI to completion (killed by PID after <paramref name="timeout"/>, default 3 min).</summary>
    public static async Task<CliResult> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(InfraPaths.RequireExecutable("dotnet", "the .NET 10 SDK"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(Assembly);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var name in new[] { "COORDINATOR_GATEWAYS", "COORDINATOR_CLUSTER_ID", "COORDINATOR_SERVICE_ID" })
        {
            psi.Environment.Remove(name);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        var watch = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"coordinator {string.Join(' ', args)} did not exit within {(timeout ?? TimeSpan.FromMinutes(3)).TotalSeconds:0}s.\n{await stdout}\n{await stderr}");
        }

        return new CliResult(p.ExitCode, await stdout, await stderr, watch.Elapsed);
    }

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(args, null);
}
