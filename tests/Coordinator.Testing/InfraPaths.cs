namespace Coordinator.Testing;

/// <summary>Where the installed test infrastructure lives (everything under the repository's <c>.infra</c>).</summary>
public static class InfraPaths
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The repository root (the folder holding Coordinator.sln).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>The generated, git-ignored infrastructure folder.</summary>
    public static string InfraDirectory => Path.Combine(RepositoryRoot, ".infra");

    /// <summary>The test CA that signed Pebble's TLS certificate.</summary>
    public static string CaCertificatePath => Path.Combine(InfraDirectory, "certs", "ca.pem");

    /// <summary>Pebble's TLS certificate (localhost, 127.0.0.1).</summary>
    public static string PebbleCertificatePath => Path.Combine(InfraDirectory, "certs", "pebble.pem");

    /// <summary>Pebble's TLS private key.</summary>
    public static string PebbleKeyPath => Path.Combine(InfraDirectory, "certs", "pebble.key");

    /// <summary>Where running child processes are recorded, so a later run can stop leftovers.</summary>
    public static string RunDirectory => Path.Combine(InfraDirectory, "run");

    /// <summary>Scratch space for configs, data directories and logs of this machine's test runs.</summary>
    public static string WorkDirectory => Path.Combine(InfraDirectory, "work");

    /// <summary>The installed npm packages (fauxqs, s3rver, node 22).</summary>
    public static string NodeModules => Path.Combine(RepositoryRoot, "infra", "s3", "node_modules");

    /// <summary>Fails loudly, with the command that installs it, when a prerequisite is missing.</summary>
    public static string Require(string path, string what)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new InvalidOperationException(
                $"{what} is missing ({path}). Install the test infrastructure with: ./build.sh install");
        }

        return path;
    }

    /// <summary>Finds an executable on PATH or fails with the command that installs it.</summary>
    public static string RequireExecutable(string name, string installHint)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"'{name}' is not installed. Install it with: {installHint} (or ./build.sh install)");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Coordinator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Coordinator.sln not found above {AppContext.BaseDirectory}");
    }
}
