using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.S3.Model;
using Coordinator.Grains;
using Coordinator.Testing;
using Coordinator.Testing.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Coordinator.Bench;

/// <summary>
/// <c>./build.sh bench registry</c>: the sharded domain registry at 100,000 names. A real 2-silo TestCluster whose
/// grains persist through the encrypted S3 grain storage on the real fauxqs server (the silo configuration of
/// <see cref="CoordinatorCluster"/>), with a one-hour maintenance interval so that no shard's renewal timer fires
/// during the run (the names would otherwise all be due at once and be ordered from a CA). The only issuer
/// configured is an address where nothing listens: no certificate is ordered by this benchmark.
/// Measures: names added per second through <see cref="DomainRegistry.AddDomainsAsync"/> in batches of 2,000 (each
/// batch rewrites, through the encrypted provider, every shard it touches); bytes stored in the bucket per name;
/// managed-heap bytes per name; and the time of one due scan over all 64 shards when 100 of the 100,000 names are
/// due, against the same scan when 10,000 are due.
/// Arguments: [count] (default 100000). Bounded to 15 minutes.
/// </summary>
public static class RegistryBench
{
    private const int Batch = 2_000;
    private const int ScanRounds = 20;
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(15);

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        using var watchdog = new Timer(_ =>
        {
            Console.Error.WriteLine($"registry: the run exceeded {RunBound.TotalMinutes} minutes; stopping.");
            Environment.Exit(124);
        }, null, RunBound, Timeout.InfiniteTimeSpan);

        var s3 = await SharedInfrastructure.S3Async();
        var bucket = await s3.CreateBucketAsync("registry");
        var cluster = Build(s3, bucket);
        await cluster.DeployAsync();
        try
        {
            return await MeasureAsync(cluster.Client, s3, bucket, count);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static async Task<int> MeasureAsync(IGrainFactory grains, S3Server s3, string bucket, int count)
    {
        var time = TimeProvider.System;

        // Every shard active before the baseline, so the memory figure is the growth per name, not activation cost.
        var before = (await Task.WhenAll(Shards(grains).Select(s => s.CountAsync()))).Sum();
        if (before != 0)
        {
            throw new InvalidOperationException($"the fresh registry already holds {before} names");
        }

        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        var clock = Stopwatch.StartNew();
        var added = 0;
        for (var start = 0; start < count; start += Batch)
        {
            var batch = Enumerable.Range(start, Math.Min(Batch, count - start)).Select(Name).ToList();
            added += await grains.AddDomainsAsync(batch);
        }

        var addSeconds = clock.Elapsed.TotalSeconds;
        if (added != count)
        {
            throw new InvalidOperationException($"added {added} names, expected {count}");
        }

        // Includes the silos' in-memory registry state (they run in this process): each shard's name → due
        // dictionary and its two sorted indexes (by name, by due time), plus whatever Orleans keeps per call.
        var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);

        var (objects, bytes) = await BucketSizeAsync(s3, bucket);
        var held = (await Task.WhenAll(Shards(grains).Select(s => s.CountAsync()))).Sum();
        if (held != count)
        {
            throw new InvalidOperationException($"the shards hold {held} names, expected {count}");
        }

        // 100 names due a minute ago, all others due in 30 days (in memory; the shards persist it in a batch).
        var now = time.GetUtcNow();
        await SetDueAsync(grains, count, i => i % (count / 100) == 0 ? now.AddMinutes(-1) : now.AddDays(30));
        var fewDue = await ScanAsync(grains, time, expected: 100);
        var (_, bytesWithDueTimes) = await BucketSizeAsync(s3, bucket); // real due times take more room than "due now" (0)

        // Baseline in the same run: 10,000 due (the 100 above among them), the same 100,000 names in all.
        await SetDueAsync(grains, count, i => i % (count / 10_000) == 0 ? now.AddMinutes(-1) : now.AddDays(30));
        var manyDue = await ScanAsync(grains, time, expected: 10_000);

        Print("registry.domains", count.ToString(CultureInfo.InvariantCulture));
        Print("registry.add_per_s", (count / addSeconds).ToString("0", CultureInfo.InvariantCulture));
        Print("registry.objects_stored", objects.ToString(CultureInfo.InvariantCulture));
        Print("registry.bytes_per_domain_stored", ((double)bytes / count).ToString("0.0", CultureInfo.InvariantCulture));
        Print("registry.bytes_per_domain_stored_with_due_times", ((double)bytesWithDueTimes / count).ToString("0.0", CultureInfo.InvariantCulture));
        Print("registry.bytes_per_domain_memory", ((double)(memoryAfter - memoryBefore) / count).ToString("0.0", CultureInfo.InvariantCulture));
        Print("registry.due_scan_ms", fewDue.ToString("0.00", CultureInfo.InvariantCulture));
        Print("registry.due_scan_ms_all_due_baseline", manyDue.ToString("0.00", CultureInfo.InvariantCulture));
        Print("registry.due_scan_ratio_100_vs_10000_due", (fewDue / manyDue).ToString("0.00", CultureInfo.InvariantCulture));
        return 0;
    }

    private static string Name(int i) => $"d{i}.registry.bench";

    private static IEnumerable<IDomainRegistryShardGrain> Shards(IGrainFactory grains) =>
        Enumerable.Range(0, DomainRegistry.ShardCount).Select(i => grains.GetGrain<IDomainRegistryShardGrain>(i));

    /// <summary>Sets every name's due time, through the shard each name belongs to, a few thousand calls at a time.</summary>
    private static async Task SetDueAsync(IGrainFactory grains, int count, Func<int, DateTimeOffset> due)
    {
        for (var start = 0; start < count; start += 5_000)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(5_000, count - start)).Select(i =>
            {
                var name = Name(i);
                return grains.GetGrain<IDomainRegistryShardGrain>(DomainRegistry.ShardOf(name)).SetDueAsync(name, due(i));
            }));
        }

        // Let the shards' 2-second flush timer persist the change before timing scans.
        await Task.Delay(TimeSpan.FromSeconds(5));
    }

    /// <summary>Median milliseconds of one scan of all shards (in parallel, as maintenance would), after one warm-up.</summary>
    private static async Task<double> ScanAsync(IGrainFactory grains, TimeProvider time, int expected)
    {
        var ms = new List<double>();
        for (var round = -1; round < ScanRounds; round++)
        {
            var clock = Stopwatch.StartNew();
            var now = time.GetUtcNow();
            var due = await Task.WhenAll(Shards(grains).Select(s => s.GetDueAsync(now, 1000)));
            var elapsed = clock.Elapsed.TotalMilliseconds;
            var found = due.Sum(d => d.Count);
            if (found != expected)
            {
                throw new InvalidOperationException($"the due scan returned {found} names, expected {expected}");
            }

            if (round >= 0)
            {
                ms.Add(elapsed);
            }
        }

        ms.Sort();
        return ms[ms.Count / 2];
    }

    private static async Task<(int Objects, long Bytes)> BucketSizeAsync(S3Server s3, string bucket)
    {
        using var client = s3.CreateClient();
        var objects = 0;
        long bytes = 0;
        string? token = null;
        do
        {
            var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token });
            foreach (var o in page.S3Objects ?? [])
            {
                objects++;
                bytes += o.Size ?? 0;
                if (!o.Key.StartsWith("state-", StringComparison.Ordinal))
                {
                    Console.Error.WriteLine($"registry: counted an object that is not grain state: {o.Key} ({o.Size} bytes)");
                }
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        return (objects, bytes);
    }

    private static TestCluster Build(S3Server s3, string bucket)
    {
        var builder = new TestClusterBuilder(2);
        builder.Options.ClusterId = $"registry-{Guid.NewGuid():N}";
        builder.Properties["S3Url"] = s3.Endpoint.ToString();
        builder.Properties["S3Access"] = s3.AccessKey;
        builder.Properties["S3Secret"] = s3.SecretKey;
        builder.Properties["Bucket"] = bucket;
        builder.Properties["Key"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        builder.Properties["Issuers"] = JsonSerializer.Serialize(new[] { new[] { "unused", "https://127.0.0.1:9/dir" } });
        builder.Properties["Ca"] = InfraPaths.CaCertificatePath;
        builder.Properties["DnsMgmt"] = "http://127.0.0.1:9/";
        builder.Properties["Backoff"] = "60000";
        builder.AddSiloBuilderConfigurator<CoordinatorCluster.SiloConfigurator>();
        builder.AddSiloBuilderConfigurator<NoMaintenanceDuringRun>();
        return builder.Build();
    }

    private static void Print(string name, string value) => Console.WriteLine($"{name}: {value}");

    /// <summary>Overrides the harness's 1-second maintenance interval with one hour (longer than the run).</summary>
    public sealed class NoMaintenanceDuringRun : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.Services.PostConfigure<CoordinatorOptions>(o => o.Renewal.MaintenanceInterval = TimeSpan.FromHours(1));
    }
}
