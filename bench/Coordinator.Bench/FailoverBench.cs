using System.Diagnostics;
using System.Globalization;
using Coordinator.Testing.Cluster;

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

    public static async Task<int> RunAsync(string[] args)
    {
        var trials = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        using var watchdog = new Timer(_ =>
        {
            Console.Error.WriteLine($"failover: the run exceeded {RunBound.TotalMinutes} minutes; stopping.");
            Environment.Exit(124);
        }, null, RunBound, Timeout.InfiniteTimeSpan);

        var seconds = new List<double>();
        var duplicates = 0;
        var failures = new List<string>();
        await using (var c = await CoordinatorCluster.StartAsync(silos: 3))
        {
            for (var t = 0; t < trials; t++)
            {
                try
                {
                    var (domain, elapsed, orders) = await TrialAsync(c, t);
                    seconds.Add(elapsed.TotalSeconds);
                    duplicates += orders - 1;
                    Console.Error.WriteLine($"failover: trial {t + 1}/{trials} {domain}: {elapsed.TotalSeconds:0.00} s, {orders} order(s) opened");
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

        seconds.Sort();
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

    private static async Task<(string Domain, TimeSpan Elapsed, int Orders)> TrialAsync(CoordinatorCluster c, int trial)
    {
        var domain = await DomainOnNonPrimarySiloAsync(c, trial);
        var grain = c.Grains.GetGrain<IDomainGrain>(domain);
        var holder = (await grain.GetStatusAsync()).LeaseHolder;
        var silo = c.Cluster.Silos.SingleOrDefault(s => s.SiloAddress.ToString() == holder)
            ?? throw new InvalidOperationException($"{domain} is held by {holder}, which is not a live silo of the cluster");

        var reached = c.Responder.HoldAsync(domain);
        _ = grain.EnsureAsync(waitForCertificate: false);
        await reached.WaitAsync(TimeSpan.FromSeconds(30)); // the order and its authorization exist; the CA is validating

        var clock = Stopwatch.StartNew();
        await c.Cluster.KillSiloAsync(silo);
        c.Responder.Release(domain);

        var deadline = clock.Elapsed + TrialBound;
        string? last = null;
        DomainStatus status;
        while (true)
        {
            try
            {
                status = await c.Grains.GetGrain<IDomainGrain>(domain).EnsureAsync(waitForCertificate: true);
                last = $"{status.State} {status.LastError}";
                if (status.State == DomainState.Valid && await c.Grains.GetGrain<IDomainGrain>(domain).GetCertificateAsync() is not null)
                {
                    break;
                }
            }
            catch (Exception e)
            {
                // the killed silo's grains are unreachable until membership declares it dead
                last = $"{e.GetType().Name}: {e.Message}";
            }

            if (clock.Elapsed > deadline)
            {
                throw new TimeoutException($"{domain} had no certificate {TrialBound.TotalSeconds} s after its silo was killed (last: {last})");
            }

            await Task.Delay(100);
        }

        var elapsed = clock.Elapsed;
        var orders = c.Wire.NewOrdersFor(domain);
        if (orders < 1)
        {
            throw new InvalidOperationException($"{domain} is Valid but the wire counter saw no order for it");
        }

        if (status.LeaseHolder == holder)
        {
            throw new InvalidOperationException($"{domain} is still held by the killed silo {holder}");
        }

        return (domain, elapsed, orders);
    }

    private static async Task<string> DomainOnNonPrimarySiloAsync(CoordinatorCluster c, int trial)
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
