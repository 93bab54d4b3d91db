using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Coordinator.Testing;

/// <summary>
/// A real child process started for a test: its output is kept (the last lines in memory, all of it in
/// a log file), it is recorded in <c>.infra/run</c> so a later run stops it if this run is killed, and
/// it is stopped by PID on dispose and when the test process exits.
/// </summary>
public sealed class TestProcess : IAsyncDisposable
{
    private const int MaxLines = 400;
    private static readonly ConcurrentDictionary<int, TestProcess> Live = new();
    private static int reaped;
    private readonly Process process;
    private readonly Queue<string> lines = new();
    private readonly StreamWriter logFile;
    private readonly string pidFile;
    private int disposed;

    static TestProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var p in Live.Values)
            {
                p.Kill();
            }
        };
    }

    private TestProcess(string name, Process process, string logPath)
    {
        Name = name;
        this.process = process;
        LogPath = logPath;
        logFile = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
        pidFile = Path.Combine(InfraPaths.RunDirectory, $"{Environment.ProcessId}-{process.Id}.pid");
    }

    /// <summary>A short name for messages ("pebble", "fauxqs", ...).</summary>
    public string Name { get; }

    /// <summary>The child's process id.</summary>
    public int Pid => process.Id;

    /// <summary>The full output log on disk.</summary>
    public string LogPath { get; }

    /// <summary>Whether the child has exited.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>The last lines the child wrote (stdout and stderr), headed by its name and PID.</summary>
    public string Output
    {
        get
        {
            lock (lines)
            {
                var exit = process.HasExited ? $", exited with {process.ExitCode}" : string.Empty;
                return $"----- {Name} (pid {Pid}{exit}; full log {LogPath}) -----\n{string.Join('\n', lines)}\n";
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with the arguments and extra environment.</summary>
    public static TestProcess Start(string name, string fileName, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        ReapOrphansOnce();
        Directory.CreateDirectory(InfraPaths.RunDirectory);
        var logs = Path.Combine(InfraPaths.WorkDirectory, "logs");
        Directory.CreateDirectory(logs);

        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? InfraPaths.WorkDirectory,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {fileName}");
        }

        var tp = new TestProcess(name, process, Path.Combine(logs, $"{name}-{process.Id}.log"));
        File.WriteAllText(tp.pidFile, $"{Environment.ProcessId} {process.Id} {Path.GetFileName(fileName)}\n");
        Live[process.Id] = tp;
        process.OutputDataReceived += (_, e) => tp.Append(e.Data);
        process.ErrorDataReceived += (_, e) => tp.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return tp;
    }

    /// <summary>Throws with the child's output if it has exited.</summary>
    public void ThrowIfExited()
    {
        if (process.HasExited)
        {
            throw new InvalidOperationException($"{Name} exited with code {process.ExitCode} during start-up.\n{Output}");
        }
    }

    /// <summary>Kills the child (SIGKILL) and waits for it.</summary>
    public void Kill()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        Live.TryRemove(process.Id, out _);
        try
        {
            File.Delete(pidFile);
        }
        catch (IOException)
        {
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            Kill();
            lock (lines)
            {
                logFile.Dispose();
            }

            process.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (lines)
        {
            lines.Enqueue(line);
            while (lines.Count > MaxLines)
            {
                lines.Dequeue();
            }

            if (disposed == 0)
            {
                logFile.WriteLine(line);
            }
        }
    }

    /// <summary>
    /// Stops children recorded by test processes that no longer exist (a run killed midway). Only a PID
    /// whose command line still names the recorded executable is signalled.
    /// </summary>
    private static void ReapOrphansOnce()
    {
        if (Interlocked.Exchange(ref reaped, 1) == 1 || !Directory.Exists(InfraPaths.RunDirectory))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(InfraPaths.RunDirectory, "*.pid"))
        {
            try
            {
                var parts = File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (parts.Length < 3 || !int.TryParse(parts[0], out var owner) || !int.TryParse(parts[1], out var child))
                {
                    File.Delete(file);
                    continue;
                }

                if (File.Exists($"/proc/{owner}/cmdline"))
                {
                    continue; // its owner is alive (a parallel test assembly)
                }

                var cmdline = File.Exists($"/proc/{child}/cmdline") ? File.ReadAllText($"/proc/{child}/cmdline") : string.Empty;
                if (cmdline.Contains(parts[2], StringComparison.Ordinal))
                {
                    using var p = Process.GetProcessById(child);
                    p.Kill();
                }

                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
            {
            }
        }
    }
}
