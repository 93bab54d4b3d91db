using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Coordinator.Testing;
using Coordinator.Testing.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Coordinator.Bench;

/// <summary>
/// <c>./build.sh bench failover</c>: the failover trial of <c>FailoverTests</c>, repeated. A real 3-silo TestCluster
/// (real Pebble behind the wire counter, encrypted grain storage on fauxqs). Per trial: a fresh domain whose grain
/// lives on a non-primary silo starts an order; once the CA's HTTP-01 validation request has reached the responder
/// (the order and its authorization exist at the CA), the silo holding the grain is killed (no graceful stop), the
/// validation answer is released, and the domain is ensured again until it is Valid with a certificate. Measures the
/// time from the kill to the certificate being available (which includes the time membership takes to declare the
/// killed silo dead with TestCluster's default probe settings) and counts, on the wire, the orders the CA opened
/// for the domain. After each trial a new silo is added, so the cluster keeps 3 silos; the primary (which holds
/// TestCluster's membership table) is never killed.
/// Arguments: [trials] (default 20). The whole run is bounded to 15 minutes: after that the process exits non-zero.
/// Exits non-zero if a trial fails or any duplicate order was opened.
/// </summary>
public static class FailoverBench
{
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan TrialBound = TimeSpan.FromSeconds(120);
    private const string SiloArgument = "--silo";
    private static readonly TimeSpan CallPatience = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == SiloArgument)
        {
            // A secondary silo process (StandaloneSiloHandle starts this exe with: <parent pid> <configuration>).
            await StandaloneSiloHost.Main(args[1..]);
            return 0;
        }

        var inProcess = args.Contains("--in-process");
        var numbers = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
        var trials = numbers.Count > 0 ? int.Parse(numbers[0], CultureInfo.InvariantCulture) : 20;
        using var watchdog = new Timer(_ =>
        {
            Console.Error.WriteLine($"failover: the run exceeded {RunBound.TotalMinutes} minutes; stopping.");
            Environment.Exit(124);
        }, null, RunBound, Timeout.InfiniteTimeSpan);

        var seconds = new List<double>();
        var deadSeconds = new List<double>();
        var duplicates = 0;
        var failures = new List<string>();
        await using (var c = inProcess ? Harness.Of(await CoordinatorCluster.StartAsync(silos: 3)) : await StartWithSiloProcessesAsync())
        {
            for (var t = 0; t < trials; t++)
            {
                try
                {
                    var r = await TrialAsync(c, t);
                    seconds.Add(r.Elapsed.TotalSeconds);
                    duplicates += r.Orders - 1;
                    if (r.DeclaredDead is { } dead)
                    {
                        deadSeconds.Add(dead.TotalSeconds);
                    }

                    Console.Error.WriteLine($"failover: trial {t + 1}/{trials} {r.Domain}: certificate after {r.Elapsed.TotalSeconds:0.00} s, " +
                        $"silo declared dead after {r.DeclaredDead?.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) ?? "(not seen)"} s, {r.Orders} order(s) opened");
                }
                catch (Exception e)
                {
                    failures.Add($"trial {t + 1}: {e.GetType().Name}: {e.Message}");
                    Console.Error.WriteLine($"failover: trial {t + 1}/{trials} FAILED: {e}");
                }

                // Keep 3 silos: the killed one is replaced (also after a failed trial, if it got as far as the kill).
                while (c.Cluster.Silos.Count < 3)
                {
                    await c.Cluster.StartAdditionalSiloAsync();
                }
            }

            if (failures.Count > 0)
            {
                Console.Error.WriteLine(c.Pebble.Output.Length > 4000 ? c.Pebble.Output[^4000..] : c.Pebble.Output);
            }
        }

        File.Delete(LauncherPath);
        seconds.Sort();
        deadSeconds.Sort();
        Console.Error.WriteLine($"failover: {(inProcess ? "in-process TestCluster kill (the silo still marks itself dead)" : "SIGKILL of a silo process")}; " +
            $"killed silo declared dead by membership after p50 {F(Percentile(deadSeconds, 0.50))} s, max {F(Percentile(deadSeconds, 1))} s (seen from the primary)");
        Print("failover.trials", trials.ToString(CultureInfo.InvariantCulture));
        Print("failover.duplicate_orders", duplicates.ToString(CultureInfo.InvariantCulture));
        Print("failover.seconds_to_certificate_p50", F(Percentile(seconds, 0.50)));
        Print("failover.seconds_to_certificate_p99", F(Percentile(seconds, 0.99)));
        foreach (var f in failures)
        {
            Console.Error.WriteLine($"failover: {f}");
        }

        return failures.Count == 0 && duplicates == 0 ? 0 : 1;
    }

    /// <summary>
    /// The silo configuration of <see cref="CoordinatorCluster"/> (same Pebble behind the wire counter, same encrypted
    /// storage on fauxqs, same HTTP-01 responder), but the secondary silos run as separate processes over TCP, so a kill
    /// is a real SIGKILL: the silo announces nothing and the survivors' membership probes must find it dead. The primary
    /// stays in this process (it holds TestCluster's membership table and is never killed).
    /// </summary>
    private static async Task<Harness> StartWithSiloProcessesAsync()
    {
        var pebble = await PebbleServer.StartAsync();
        var wire = await AcmeWireCounter.StartAsync(pebble);
        var s3 = await SharedInfrastructure.S3Async();
        var bucket = await s3.CreateBucketAsync("failover");
        var builder = new TestClusterBuilder(3);
        builder.Options.ClusterId = $"failover-{Guid.NewGuid():N}";
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.Properties["S3Url"] = s3.Endpoint.ToString();
        builder.Properties["S3Access"] = s3.AccessKey;
        builder.Properties["S3Secret"] = s3.SecretKey;
        builder.Properties["Bucket"] = bucket;
        builder.Properties["Key"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        builder.Properties["Issuers"] = JsonSerializer.Serialize(new[] { new[] { "pebble", wire.DirectoryUri.ToString() } });
        builder.Properties["Ca"] = InfraPaths.CaCertificatePath;
        builder.Properties["DnsMgmt"] = pebble.Dns.ManagementUri.ToString();
        builder.Properties["Backoff"] = "2000";
        builder.AddSiloBuilderConfigurator<CoordinatorCluster.SiloConfigurator>();
        var cluster = builder.Build();
        var process = StandaloneSiloHandle.CreateDelegate(SiloLauncher());
        cluster.CreateSiloAsync = (name, configuration) =>
            name == Silo.PrimarySiloName ? cluster.DefaultCreateSiloAsync(name, configuration) : process(name, configuration);
        await cluster.DeployAsync();
        var responder = await Http01Responder.StartAsync(pebble.HttpValidationPort, () => cluster.Client);
        return new Harness(cluster, pebble, wire, responder, async () =>
        {
            await responder.DisposeAsync();
            try
            {
                await cluster.StopAllSilosAsync();
            }
            catch (Exception)
            {
                // a killed silo may not stop cleanly
            }

            await cluster.DisposeAsync();
            await wire.DisposeAsync();
            await pebble.DisposeAsync();
        });
    }

    private static string LauncherPath => Path.Combine(Path.GetTempPath(), $"coordinator-failover-silo-{Environment.ProcessId}.sh");

    /// <summary>A script that starts this benchmark as a silo process (StandaloneSiloHandle passes its own two arguments).</summary>
    private static string SiloLauncher()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the failover benchmark starts its silo processes through a shell script (Linux, macOS)");
        }

        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var command = Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? $"exec '{self}' '{typeof(FailoverBench).Assembly.Location}'"
            : $"exec '{self}'";
        var path = LauncherPath;
        File.WriteAllText(path, $"#!/bin/sh\n{command} failover {SiloArgument} \"$@\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static async Task<Trial> TrialAsync(Harness c, int trial)
    {
        var domain = await DomainOnNonPrimarySiloAsync(c, trial);
        var grain = c.Grains.GetGrain<IDomainGrain>(domain);
        var holder = (await grain.GetStatusAsync()).LeaseHolder;
        var silo = c.Cluster.Silos.SingleOrDefault(s => s.SiloAddress.ToString() == holder)
            ?? throw new InvalidOperationException($"{domain} is held by {holder}, which is not a live silo of the cluster");
        var primary = (InProcessSiloHandle)c.Cluster.Primary!;
        var membership = primary.SiloHost.Services.GetRequiredService<IClusterMembershipService>();
        var pushed = primary.SiloHost.Services.GetRequiredService<CertificateRecorder>().Latest;

        var reached = c.Responder.HoldAsync(domain);
        _ = grain.EnsureAsync(waitForCertificate: false);
        await reached.WaitAsync(TimeSpan.FromSeconds(30)); // the order and its authorization exist; the CA is validating

        var clock = Stopwatch.StartNew();
        await c.Cluster.KillSiloAsync(silo);
        c.Responder.Release(domain);

        // Ask for the certificate the way the trial in FailoverTests does (EnsureAsync until Valid), but never wait on
        // one call for longer than CallPatience: a call routed to the dead silo before membership declares it dead
        // only fails at the messaging response timeout (30 s), which would measure that timeout, not the failover.
        // The certificate counts as available as soon as a call returns it or it is pushed to the primary silo's
        // subscriber (as every node's SNI cache is).
        TimeSpan? declaredDead = null;
        Task<DomainStatus>? call = null;
        var callStarted = TimeSpan.Zero;
        string? last = null;
        while (true)
        {
            if (declaredDead is null && membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress) == SiloStatus.Dead)
            {
                declaredDead = clock.Elapsed;
            }

            if (call is { IsCompletedSuccessfully: true } && call.Result.State == DomainState.Valid)
            {
                break;
            }

            if (pushed.ContainsKey(domain))
            {
                break;
            }

            if (call is null || call.IsCompleted || clock.Elapsed - callStarted > CallPatience)
            {
                if (call is not null)
                {
                    last = call.IsCompletedSuccessfully ? $"{call.Result.State} {call.Result.LastError}" : call.IsFaulted ? call.Exception!.GetBaseException().Message : "no answer yet";
                    _ = call.ContinueWith(t => t.Exception, TaskScheduler.Default); // an abandoned call may still fail later
                }

                call = c.Grains.GetGrain<IDomainGrain>(domain).EnsureAsync(waitForCertificate: true);
                callStarted = clock.Elapsed;
            }

            if (clock.Elapsed > TrialBound)
            {
                throw new TimeoutException($"{domain} had no certificate {TrialBound.TotalSeconds} s after its silo was killed (last: {last})");
            }

            await Task.Delay(20);
        }

        var elapsed = clock.Elapsed;
        if (await c.Grains.GetGrain<IDomainGrain>(domain).GetCertificateAsync() is null)
        {
            throw new InvalidOperationException($"{domain}: the certificate was reported available but GetCertificateAsync returned none");
        }

        // The push can arrive just before the order run ends (Ordering → Valid): give the status a moment.
        var status = await c.Grains.GetGrain<IDomainGrain>(domain).GetStatusAsync();
        for (var i = 0; i < 100 && status.State == DomainState.Ordering; i++)
        {
            await Task.Delay(50);
            status = await c.Grains.GetGrain<IDomainGrain>(domain).GetStatusAsync();
        }

        if (status.State != DomainState.Valid || status.LeaseHolder == holder)
        {
            throw new InvalidOperationException($"{domain} is {status.State}, held by {status.LeaseHolder} (the killed silo was {holder})");
        }

        var orders = c.Wire.NewOrdersFor(domain);
        if (orders < 1)
        {
            throw new InvalidOperationException($"{domain} is Valid but the wire counter saw no order for it");
        }

        return new Trial(domain, elapsed, declaredDead, orders);
    }

    /// <summary>What a trial needs of a cluster: the TestCluster, its Pebble, wire counter and HTTP-01 responder.</summary>
    private sealed class Harness(TestCluster cluster, PebbleServer pebble, AcmeWireCounter wire, Http01Responder responder, Func<Task> dispose) : IAsyncDisposable
    {
        public TestCluster Cluster => cluster;

        public PebbleServer Pebble => pebble;

        public AcmeWireCounter Wire => wire;

        public Http01Responder Responder => responder;

        public IGrainFactory Grains => cluster.Client;

        public static Harness Of(CoordinatorCluster c) => new(c.Cluster, c.Pebble, c.Wire, c.Responder, async () => await c.DisposeAsync());

        public async ValueTask DisposeAsync() => await dispose();
    }

    private sealed record Trial(string Domain, TimeSpan Elapsed, TimeSpan? DeclaredDead, int Orders);

    private static async Task<string> DomainOnNonPrimarySiloAsync(Harness c, int trial)
    {
        var primary = c.Cluster.Primary!.SiloAddress.ToString();
        for (var i = 0; i < 200; i++)
        {
            var d = $"t{trial}-{i}.failover.bench";
            var status = await c.Grains.GetGrain<IDomainGrain>(d).GetStatusAsync();
            if (status.LeaseHolder != primary)
            {
                return d;
            }
        }

        throw new InvalidOperationException("every probe grain landed on the primary silo");
    }

    /// <summary>Nearest-rank percentile of sorted values (with 20 values, p99 is the largest).</summary>
    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    private static void Print(string name, string value) => Console.WriteLine($"{name}: {value}");
}
