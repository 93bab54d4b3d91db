using Coordinator.Testing;

namespace Coordinator.Cli.Tests;

/// <summary>What the tool does without a cluster: key generation, bad input, an unreachable cluster.</summary>
public sealed class CliWithoutClusterTests
{
    [Fact]
    public async Task KeysGeneratePrintsA32ByteBase64KeyThatDiffersEachTime()
    {
        var first = await Cli.RunAsync("keys", "generate");
        var second = await Cli.RunAsync("keys", "generate");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        var a = first.StdOut.Trim();
        var b = second.StdOut.Trim();
        Assert.Equal(32, Convert.FromBase64String(a).Length);
        Assert.Equal(32, Convert.FromBase64String(b).Length);
        Assert.NotEqual(a, b);
        Assert.DoesNotContain(a, first.StdErr, StringComparison.Ordinal); // printed once
        Assert.Contains("KeyRing", first.StdErr, StringComparison.Ordinal);

        var json = await Cli.RunAsync("keys", "generate", "--json", "--id", "2027-01");
        Assert.True(json.ExitCode == 0, json.ToString());
        var doc = json.Json();
        Assert.Equal(32, Convert.FromBase64String(doc.GetProperty("key").GetString()!).Length);
        Assert.Equal("2027-01", doc.GetProperty("keyId").GetString());
        Assert.Equal("Coordinator__Storage__KeyRing__Keys__2027-01", doc.GetProperty("setting").GetString());
    }

    [Fact]
    public async Task BadInputExitsWith2BeforeContactingAnyCluster()
    {
        // Nothing listens on this gateway: a usage error must come back as 2, not as 3 after a connect attempt.
        var nowhere = $"127.0.0.1:{FreePort.Next()}";
        var badName = await Cli.RunAsync("domains", "add", "ok.example.com", "bad_name!.example.com", "--gateway", nowhere);
        Assert.True(badName.ExitCode == 2, badName.ToString());
        Assert.Contains("Invalid domain name 'bad_name!.example.com'", badName.StdErr, StringComparison.Ordinal);
        Assert.Equal("", badName.StdOut);

        var ip = await Cli.RunAsync("status", "10.0.0.1", "--gateway", nowhere);
        Assert.True(ip.ExitCode == 2, ip.ToString());
        Assert.Contains("IP addresses are not host names", ip.StdErr, StringComparison.Ordinal);

        var reason = await Cli.RunAsync("revoke", "a.example.com", "--reason", "7", "--gateway", nowhere);
        Assert.True(reason.ExitCode == 2, reason.ToString());
        Assert.Contains("--reason 7", reason.StdErr, StringComparison.Ordinal);

        var gateway = await Cli.RunAsync("domains", "list", "--gateway", "localhost");
        Assert.True(gateway.ExitCode == 2, gateway.ToString());
        Assert.Contains("Invalid gateway 'localhost'", gateway.StdErr, StringComparison.Ordinal);

        var unknown = await Cli.RunAsync("domains", "frobnicate");
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
        Assert.Contains("coordinator --help", unknown.StdErr, StringComparison.Ordinal);

        var missing = await Cli.RunAsync("renew");
        Assert.True(missing.ExitCode == 2, missing.ToString());
    }

    [Fact]
    public async Task HelpNamesTheToolAndDocumentsTheExitCodes()
    {
        var help = await Cli.RunAsync("--help");
        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains("coordinator [command] [options]", help.StdOut, StringComparison.Ordinal);
        Assert.Contains("Exit codes: 0 ok, 1 operation failed, 2 usage or bad input, 3 cluster unreachable.", help.StdOut, StringComparison.Ordinal);
        foreach (var command in new[] { "domains", "status", "renew", "revoke", "keys", "storage" })
        {
            Assert.Contains(command, help.StdOut, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnreachableClusterExitsWith3AndSaysWhatToDo()
    {
        var port = FreePort.Next();
        var r = await Cli.RunAsync("domains", "list", "--gateway", $"127.0.0.1:{port}", "--connect-timeout", "2");
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains($"127.0.0.1:{port}", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("Is a node running?", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("--gateway", r.StdErr, StringComparison.Ordinal);
        Assert.Equal("", r.StdOut);
        Assert.True(r.Elapsed < TimeSpan.FromSeconds(30), $"--connect-timeout 2 was not honoured: {r}");

        // The same through the environment variables.
        var env = await Cli.RunAsync(["storage", "check", "--connect-timeout", "1"], new Dictionary<string, string> { ["COORDINATOR_GATEWAYS"] = $"127.0.0.1:{port}" });
        Assert.True(env.ExitCode == 3, env.ToString());
        Assert.Contains($"127.0.0.1:{port}", env.StdErr, StringComparison.Ordinal);
    }
}
