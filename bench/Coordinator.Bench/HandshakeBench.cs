using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Coordinator.Testing;
using Coordinator.Testing.Nodes;

namespace Coordinator.Bench;

/// <summary>
/// <c>./build.sh bench handshake</c>: new TLS handshakes per second (ECDSA P-256, TLS 1.3, full handshakes: no
/// resumption on any endpoint) through Kestrel with a static certificate (<c>UseHttps(cert)</c>), an identical static
/// control endpoint, and the coordinated endpoint (<c>UseCoordinatorHttps()</c>, cache hit) serving the same
/// certificate, which Coordinator obtained from a real Pebble. One server process (see <see cref="HandshakeServer"/>)
/// pinned to core 0, h2load (new connection per request) pinned to core 1; warm-up discarded; endpoints measured one
/// at a time in rotating order for several rounds; per round the ratio to the static endpoint. The run is rejected
/// (exit 1) if the control endpoint is more than 5% off the static one, a request failed, a handshake was not TLS 1.3,
/// the endpoints did not serve the same certificate, or an SNI lookup of the coordinated endpoint missed the cache.
/// Arguments: [rounds] (default 12) [seconds per measurement] (default 3; INFRA.md: ≥ 5 rounds of 10 s or ≥ 12 of 2–3 s —
/// short rounds follow this shared machine's drift better).
/// </summary>
public static partial class HandshakeBench
{
    private static readonly string[] Endpoints = ["static", "control", "coordinated"];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length >= 3 && args[0] == "--server")
        {
            return await HandshakeServer.RunAsync(args[1], args[2]);
        }

        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 12;
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var h2load = InfraPaths.RequireExecutable("h2load", "apt-get install -y nghttp2-client");
        var taskset = InfraPaths.RequireExecutable("taskset", "apt-get install -y util-linux");
        var openssl = InfraPaths.RequireExecutable("openssl", "apt-get install -y openssl");

        var httpPort = FreePort.Next();
        var ports = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["coordinated"] = FreePort.Next(),
            ["static"] = FreePort.Next(),
            ["control"] = FreePort.Next(),
        };
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { HttpValidationPort = httpPort });
        var directory = Path.Combine(InfraPaths.WorkDirectory, $"bench-handshake-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

            // 1. The certificate, issued by Pebble through Coordinator (HTTP-01), stored in the node's Directory storage.
            var issue = StartServer(taskset, "issue", directory, pebble, httpPort, ports, key);
            await using (issue)
            {
                var deadline = DateTime.UtcNow.AddSeconds(120);
                while (!issue.HasExited && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200);
                }

                if (!File.Exists(Path.Combine(directory, "key.pem")) || !issue.Output.Contains("issued ", StringComparison.Ordinal))
                {
                    Console.Error.WriteLine($"handshake: the certificate was not issued through Coordinator.\n{issue.Output}\n{pebble.Output}");
                    return 1;
                }
            }

            // 2. The server: the coordinated endpoint (served from its cache, loaded from storage) and the two static ones.
            await using var server = StartServer(taskset, "serve", directory, pebble, httpPort, ports, key);
            var ready = DateTime.UtcNow.AddSeconds(60);
            while (!server.Output.Contains("ready", StringComparison.Ordinal))
            {
                server.ThrowIfExited();
                if (DateTime.UtcNow > ready)
                {
                    throw new TimeoutException($"the handshake server did not start.\n{server.Output}");
                }

                await Task.Delay(100);
            }

            var serials = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, port) in ports)
            {
                var served = await Tls.HandshakeAsync(port, HandshakeServer.Domain, "http/1.1");
                if (!await pebble.VerifiesAsync(served.Leaf, served.Chain) || !served.DnsNames.Contains(HandshakeServer.Domain))
                {
                    Console.Error.WriteLine($"handshake: the {name} endpoint does not serve a Pebble certificate for {HandshakeServer.Domain}");
                    return 1;
                }

                serials[name] = served.Leaf.SerialNumber;
            }

            if (serials.Values.Distinct(StringComparer.Ordinal).Count() != 1)
            {
                Console.Error.WriteLine($"handshake: the endpoints serve different certificates: {string.Join(", ", serials.Select(s => $"{s.Key}={s.Value}"))}");
                return 1;
            }

            foreach (var (name, port) in ports)
            {
                if (await ResumesAsync(openssl, port))
                {
                    Console.Error.WriteLine($"handshake: the {name} endpoint resumed a TLS session (full handshakes required)");
                    return 1;
                }
            }

            using var stats = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };

            // Warm-up (discarded), which also sizes the measurements: the same request count for every endpoint.
            var rate = 0.0;
            foreach (var name in Endpoints)
            {
                var warm = await MeasureAsync(taskset, h2load, server.Pid, ports[name], 1000, stats);
                rate = Math.Max(rate, warm.PerSecond);
            }

            var count = (int)Math.Clamp(rate * seconds, 500, 20_000);
            Console.Error.WriteLine($"handshake: {rounds} rounds, {count} handshakes per endpoint per round (warm-up rate {rate:0}/s)");

            var results = Endpoints.ToDictionary(e => e, _ => new List<Measurement>(), StringComparer.Ordinal);
            var errors = new List<string>();
            for (var round = 0; round < rounds; round++)
            {
                for (var i = 0; i < Endpoints.Length; i++)
                {
                    var name = Endpoints[(i + round) % Endpoints.Length];
                    var m = await MeasureAsync(taskset, h2load, server.Pid, ports[name], count, stats);
                    results[name].Add(m);
                    Console.Error.WriteLine($"  round {round + 1} {name,-11} {m.PerSecond,8:0.0}/s  cpu {m.CpuMsPerHandshake:0.000} ms/handshake  {m.Protocol}  lookups {m.Lookups}");
                    if (m.Succeeded != count)
                    {
                        errors.Add($"round {round + 1} {name}: {m.Succeeded} of {count} requests succeeded");
                    }

                    if (m.Protocol != "TLSv1.3")
                    {
                        errors.Add($"round {round + 1} {name}: negotiated {m.Protocol}, not TLSv1.3");
                    }

                    if (name == "coordinated" && (m.Hits != count || m.OtherLookups != 0))
                    {
                        errors.Add($"round {round + 1} coordinated: {m.Hits} cache hits for {count} handshakes ({m.OtherLookups} other lookups)");
                    }
                }
            }

            var perRound = Enumerable.Range(0, rounds).Select(r => (
                Control: results["control"][r].PerSecond / results["static"][r].PerSecond,
                Coordinated: results["coordinated"][r].PerSecond / results["static"][r].PerSecond,
                CpuControl: results["control"][r].CpuMsPerHandshake / results["static"][r].CpuMsPerHandshake,
                CpuCoordinated: results["coordinated"][r].CpuMsPerHandshake / results["static"][r].CpuMsPerHandshake)).ToList();

            Print("handshake.rounds", rounds.ToString(CultureInfo.InvariantCulture));
            Print("handshake.handshakes_per_endpoint_per_round", count.ToString(CultureInfo.InvariantCulture));
            Print("handshake.per_s_static", F(Median(results["static"].Select(m => m.PerSecond))));
            Print("handshake.per_s_control", F(Median(results["control"].Select(m => m.PerSecond))));
            Print("handshake.per_s_coordinated", F(Median(results["coordinated"].Select(m => m.PerSecond))));
            Print("handshake.control_ratio", F(Median(perRound.Select(r => r.Control))));
            Print("handshake.control_ratio_min", F(perRound.Min(r => r.Control)));
            Print("handshake.control_ratio_max", F(perRound.Max(r => r.Control)));
            Print("handshake.ratio_vs_static", F(Median(perRound.Select(r => r.Coordinated))));
            Print("handshake.ratio_vs_static_min", F(perRound.Min(r => r.Coordinated)));
            Print("handshake.ratio_vs_static_max", F(perRound.Max(r => r.Coordinated)));
            Print("handshake.cpu_ms_per_handshake_static", F(Median(results["static"].Select(m => m.CpuMsPerHandshake))));
            Print("handshake.cpu_ms_per_handshake_control", F(Median(results["control"].Select(m => m.CpuMsPerHandshake))));
            Print("handshake.cpu_ms_per_handshake_coordinated", F(Median(results["coordinated"].Select(m => m.CpuMsPerHandshake))));
            Print("handshake.cpu_ratio_control", F(Median(perRound.Select(r => r.CpuControl))));
            Print("handshake.cpu_ratio_vs_static", F(Median(perRound.Select(r => r.CpuCoordinated))));
            Print("handshake.cpu_ratio_vs_static_min", F(perRound.Min(r => r.CpuCoordinated)));
            Print("handshake.cpu_ratio_vs_static_max", F(perRound.Max(r => r.CpuCoordinated)));

            var control = Median(perRound.Select(r => r.Control));
            if (Math.Abs(control - 1) > 0.05)
            {
                errors.Add($"control/static = {control:0.000}: the two identical static endpoints differ by more than 5%, so this machine was too noisy for the ratio to mean anything");
            }

            foreach (var e in errors)
            {
                Console.Error.WriteLine($"handshake: REJECTED: {e}");
            }

            return errors.Count == 0 ? 0 : 1;
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static TestProcess StartServer(string taskset, string mode, string directory, PebbleServer pebble, int httpPort, Dictionary<string, int> ports, string key)
    {
        var dotnet = InfraPaths.RequireExecutable("dotnet", "the .NET 10 SDK");
        var silo = FreePort.Next();
        var env = new Dictionary<string, string>
        {
            ["BENCH_PORTS"] = string.Join(',', httpPort, ports["coordinated"], ports["static"], ports["control"]),
            ["DOTNET_NOLOGO"] = "1",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Coordinator__Cluster__ClusterId"] = "bench-handshake",
            ["Coordinator__Cluster__ServiceId"] = "bench-handshake",
            ["Coordinator__Cluster__SiloPort"] = silo.ToString(CultureInfo.InvariantCulture),
            ["Coordinator__Cluster__PrimarySiloPort"] = silo.ToString(CultureInfo.InvariantCulture),
            ["Coordinator__Cluster__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Coordinator__Storage__Kind"] = "Directory",
            ["Coordinator__Storage__Directory"] = Path.Combine(directory, "store"),
            ["Coordinator__Storage__KeyRing__PrimaryKeyId"] = "k1",
            ["Coordinator__Storage__KeyRing__Keys__k1"] = key,
            ["Coordinator__Domains__0"] = HandshakeServer.Domain,
            ["Coordinator__Issuers__0__Name"] = "pebble",
            ["Coordinator__Issuers__0__DirectoryUrl"] = pebble.DirectoryUri.ToString(),
            ["Coordinator__Issuers__0__TrustedCaCertificatePath"] = InfraPaths.CaCertificatePath,
            ["Coordinator__Issuers__0__Challenges__0"] = "http-01",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        return TestProcess.Start($"handshake-{mode}", taskset, ["-c", "0", dotnet, typeof(HandshakeBench).Assembly.Location, "handshake", "--server", mode, directory], env);
    }

    /// <summary>Whether a second connection resumes the first one's TLS 1.3 session (openssl s_client -sess_out / -sess_in).</summary>
    private static async Task<bool> ResumesAsync(string openssl, int port)
    {
        var session = Path.Combine(InfraPaths.WorkDirectory, $"bench-session-{Guid.NewGuid():N}.pem");
        try
        {
            var first = await RunAsync(openssl, ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", HandshakeServer.Domain, "-tls1_3", "-ign_eof", "-sess_out", session], "GET / HTTP/1.0\r\n\r\n", TimeSpan.FromSeconds(20));
            if (!File.Exists(session))
            {
                return false; // no session ticket at all
            }

            var second = await RunAsync(openssl, ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", HandshakeServer.Domain, "-tls1_3", "-ign_eof", "-sess_in", session], "GET / HTTP/1.0\r\n\r\n", TimeSpan.FromSeconds(20));
            _ = first;
            return second.Contains("Reused, TLSv1.3", StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(session);
        }
    }

    private static async Task<Measurement> MeasureAsync(string taskset, string h2load, int serverPid, int port, int count, HttpClient stats)
    {
        var before = await LookupsAsync(stats);
        var cpuBefore = CpuTicks(serverPid);
        var output = await RunAsync(taskset,
            ["-c", "1", h2load, "--h1", "-n", count.ToString(CultureInfo.InvariantCulture), "-c", "8", "-t", "1", "-H", "Connection: close",
             $"--connect-to=127.0.0.1:{port}", $"https://{HandshakeServer.Domain}:{port}/"],
            null, TimeSpan.FromSeconds(120));
        var cpuAfter = CpuTicks(serverPid);
        var after = await LookupsAsync(stats);

        var requests = RequestsLine().Match(output);
        var finished = FinishedLine().Match(output);
        var protocol = ProtocolLine().Match(output);
        if (!requests.Success || !finished.Success)
        {
            throw new InvalidOperationException($"unexpected h2load output:\n{output}");
        }

        var succeeded = int.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture);
        var elapsed = ParseDuration(finished.Groups[1].Value);
        var hits = after.GetValueOrDefault("hit") - before.GetValueOrDefault("hit");
        var others = after.Where(p => p.Key != "hit").Sum(p => p.Value) - before.Where(p => p.Key != "hit").Sum(p => p.Value);
        var lookups = string.Join(' ', after.Select(p => $"{p.Key}+{p.Value - before.GetValueOrDefault(p.Key)}"));
        return new Measurement(
            succeeded / elapsed,
            (cpuAfter - cpuBefore) * 10.0 / Math.Max(1, succeeded), // USER_HZ = 100: a tick is 10 ms
            succeeded,
            protocol.Success ? protocol.Groups[1].Value : "?",
            hits,
            others,
            lookups.Length == 0 ? "-" : lookups);
    }

    private static async Task<Dictionary<string, long>> LookupsAsync(HttpClient stats)
    {
        var text = await stats.GetStringAsync(new Uri("bench/stats", UriKind.Relative));
        return text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('='))
            .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }

    /// <summary>utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15).</summary>
    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static double ParseDuration(string text) =>
        text.EndsWith("ms", StringComparison.Ordinal) ? double.Parse(text[..^2], CultureInfo.InvariantCulture) / 1000
        : text.EndsWith("us", StringComparison.Ordinal) ? double.Parse(text[..^2], CultureInfo.InvariantCulture) / 1_000_000
        : double.Parse(text.TrimEnd('s'), CultureInfo.InvariantCulture);

    internal static async Task<string> RunAsync(string file, IEnumerable<string> arguments, string? input, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', psi.ArgumentList)} did not finish within {timeout.TotalSeconds:0}s");
        }

        return await stdout + await stderr;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static void Print(string name, string value) => Console.WriteLine($"{name}: {value}");

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"finished in ([0-9.]+(?:s|ms|us)), ")]
    private static partial Regex FinishedLine();

    [GeneratedRegex(@"TLS Protocol: (\S+)")]
    private static partial Regex ProtocolLine();

    private sealed record Measurement(double PerSecond, double CpuMsPerHandshake, int Succeeded, string Protocol, long Hits, long OtherLookups, string Lookups);
}
