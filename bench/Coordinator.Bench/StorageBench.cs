using System.Diagnostics;
using System.Globalization;
using Amazon.S3.Model;
using Coordinator.Storage;
using Coordinator.Storage.Internal;
using Coordinator.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Coordinator.Bench;

/// <summary>
/// <c>./build.sh bench storage</c>: put and get of 4 KiB and 64 KiB grain states against one real S3 server
/// (patched fauxqs on loopback), through the encrypted provider (Orleans binary serialization, secretbox seal,
/// keyed-hash names, conditional writes) and through plain AWSSDK.S3 calls with the same conditional headers
/// (create with If-None-Match: *, update with If-Match) on raw bytes of the same size. Both use the same SDK
/// settings. Rounds interleave the two paths in alternating order; the first round is a discarded warm-up; a ratio
/// is the median over rounds of (encrypted median latency / plain median latency), each encrypted operation paired with a plain one;
/// an overhead is the median over rounds of the difference of those medians, in microseconds (the figure that carries
/// over to a real store, whose latency is 10-100 times the loopback server's). Also measures the seal and open
/// throughput of the envelope alone. Arguments: [rounds] [ops per round and path] (default 11, 60).
/// </summary>
public static class StorageBench
{
    private static readonly int[] Sizes = [4 * 1024, 64 * 1024];

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 11;
        var ops = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 60;
        await using var s3 = await S3Server.StartAsync(S3ServerKind.Conditional);
        var bucket = await s3.CreateBucketAsync("bench");

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSerializer();
        services.AddEncryptedS3GrainStorage("bench", (EncryptedS3StorageOptions o) =>
        {
            o.ServiceUrl = s3.Endpoint.ToString();
            o.BucketName = bucket;
            o.AccessKey = s3.AccessKey;
            o.SecretKey = s3.SecretKey;
            o.MaxErrorRetry = 0;
            o.KeyRing = new KeyRingOptions { PrimaryKeyId = "bench", Keys = { ["bench"] = EncryptionKey.GenerateBase64() } };
        });
        await using var provider = services.BuildServiceProvider();
        var storage = (EncryptedGrainStorage)provider.GetRequiredKeyedService<IGrainStorage>("bench");
        await storage.InitializeAsync(CancellationToken.None);
        using var client = s3.CreateClient();

        var ratios = new Dictionary<string, List<double>>();
        var means = new Dictionary<string, List<double>>();
        var overheads = new Dictionary<string, List<double>>();
        foreach (var size in Sizes)
        {
            var payload = new byte[size];
            Random.Shared.NextBytes(payload);
            var grains = Enumerable.Range(0, ops).Select(i => GrainId.Create("bench", $"grain-{size}-{i}")).ToArray();
            var states = grains.Select(_ => new GrainState<byte[]> { State = payload }).ToArray();
            var keys = grains.Select((_, i) => $"plain-{size}-{i}").ToArray();
            var etags = new string?[ops];

            for (var round = 0; round <= rounds; round++)
            {
                // Each encrypted operation is paired with the plain one on the same index, the order flipping every
                // pair, so load from other processes hits both paths alike; per round, the ratio of median latencies.
                var encPut = new List<double>();
                var plainPut = new List<double>();
                var encGet = new List<double>();
                var plainGet = new List<double>();
                for (var i = 0; i < ops; i++)
                {
                    var index = i;
                    Func<Task> enc = () => storage.WriteStateAsync("state", grains[index], states[index]);
                    Func<Task> plain = async () =>
                    {
                        var put = new PutObjectRequest { BucketName = bucket, Key = keys[index], InputStream = new MemoryStream(payload, writable: false) };
                        if (etags[index] is null)
                        {
                            put.IfNoneMatch = "*";
                        }
                        else
                        {
                            put.IfMatch = etags[index];
                        }

                        etags[index] = (await client.PutObjectAsync(put)).ETag;
                    };
                    await PairAsync(i % 2 == 0, enc, encPut, plain, plainPut);
                }

                for (var i = 0; i < ops; i++)
                {
                    var index = i;
                    Func<Task> enc = async () =>
                    {
                        var read = new GrainState<byte[]>();
                        await storage.ReadStateAsync("state", grains[index], read);
                        if (read.State!.Length != size)
                        {
                            throw new InvalidOperationException("encrypted read returned the wrong state");
                        }
                    };
                    Func<Task> plain = async () =>
                    {
                        using var get = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = keys[index] });
                        using var buffer = new MemoryStream((int)get.ContentLength);
                        await get.ResponseStream.CopyToAsync(buffer);
                        if (buffer.Length != size)
                        {
                            throw new InvalidOperationException("plain read returned the wrong body");
                        }
                    };
                    await PairAsync(i % 2 == 1, enc, encGet, plain, plainGet);
                }

                if (round == 0)
                {
                    continue; // warm-up
                }

                var label = size / 1024 + "k";
                Add(ratios, $"put_{label}", Median(encPut) / Median(plainPut));
                Add(ratios, $"get_{label}", Median(encGet) / Median(plainGet));
                Add(ratios, "put", Median(encPut) / Median(plainPut));
                Add(ratios, "get", Median(encGet) / Median(plainGet));
                Add(overheads, $"put_overhead_us_{label}", (Median(encPut) - Median(plainPut)) * 1e6);
                Add(overheads, $"get_overhead_us_{label}", (Median(encGet) - Median(plainGet)) * 1e6);
                Add(means, $"put_{label}_encrypted_ms", Median(encPut) * 1000);
                Add(means, $"put_{label}_plain_ms", Median(plainPut) * 1000);
                Add(means, $"get_{label}_encrypted_ms", Median(encGet) * 1000);
                Add(means, $"get_{label}_plain_ms", Median(plainGet) * 1000);
            }
        }

        Print("storage.rounds", rounds.ToString(CultureInfo.InvariantCulture));
        Print("storage.ops_per_round", ops.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, values) in means)
        {
            Print($"storage.{name}", F(Median(values)));
        }

        foreach (var (name, values) in overheads)
        {
            Print($"storage.{name}", F(Median(values)));
        }

        foreach (var label in new[] { "4k", "64k" })
        {
            Print($"storage.put_ratio_encrypted_vs_plain_{label}", F(Median(ratios[$"put_{label}"])));
            Print($"storage.get_ratio_encrypted_vs_plain_{label}", F(Median(ratios[$"get_{label}"])));
        }

        Print("storage.put_ratio_encrypted_vs_plain", F(Median(ratios["put"])));
        Print("storage.put_ratio_encrypted_vs_plain_min", F(ratios["put"].Min()));
        Print("storage.put_ratio_encrypted_vs_plain_max", F(ratios["put"].Max()));
        Print("storage.get_ratio_encrypted_vs_plain", F(Median(ratios["get"])));
        Print("storage.get_ratio_encrypted_vs_plain_min", F(ratios["get"].Min()));
        Print("storage.get_ratio_encrypted_vs_plain_max", F(ratios["get"].Max()));
        var (seal, open) = SealThroughput();
        Print("storage.seal_mb_per_s", F(seal));
        Print("storage.open_mb_per_s", F(open));
        return 0;
    }

    /// <summary>Envelope seal and open of 64 KiB plaintexts, about a second each, in MB (10^6 bytes) per second.</summary>
    private static (double Seal, double Open) SealThroughput()
    {
        var ring = KeyRing.Create(new KeyRingOptions { PrimaryKeyId = "k", Keys = { ["k"] = EncryptionKey.GenerateBase64() } }, "KeyRing");
        var plaintext = new byte[64 * 1024];
        Random.Shared.NextBytes(plaintext);
        var sealedBytes = Envelope.Seal(ring, "state-bench", plaintext);
        for (var i = 0; i < 50; i++)
        {
            Envelope.Open(ring, "state-bench", Envelope.Seal(ring, "state-bench", plaintext), out _);
        }

        double Measure(Action op)
        {
            var count = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(1))
            {
                op();
                count++;
            }

            return count * (double)plaintext.Length / watch.Elapsed.TotalSeconds / 1e6;
        }

        return (Measure(() => Envelope.Seal(ring, "state-bench", plaintext)), Measure(() => Envelope.Open(ring, "state-bench", sealedBytes, out _)));
    }

    private static async Task PairAsync(bool encryptedFirst, Func<Task> encrypted, List<double> encryptedTimes, Func<Task> plain, List<double> plainTimes)
    {
        if (encryptedFirst)
        {
            encryptedTimes.Add(await TimeAsync(encrypted));
            plainTimes.Add(await TimeAsync(plain));
        }
        else
        {
            plainTimes.Add(await TimeAsync(plain));
            encryptedTimes.Add(await TimeAsync(encrypted));
        }
    }

    private static async Task<double> TimeAsync(Func<Task> op)
    {
        var started = Stopwatch.GetTimestamp();
        await op();
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static void Add(Dictionary<string, List<double>> into, string key, double value)
    {
        if (!into.TryGetValue(key, out var list))
        {
            into[key] = list = [];
        }

        list.Add(value);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static void Print(string name, string value) => Console.WriteLine($"{name}: {value}");
}
