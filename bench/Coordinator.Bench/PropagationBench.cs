using System.Diagnostics;
using System.Globalization;
using Coordinator.Testing;
using Coordinator.Testing.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coordinator.Bench;

/// <summary>
/// <c>./build.sh bench propagation</c>: three real Coordinator.Node processes in one cluster (real Pebble without
/// authorization reuse, real fauxqs bucket, an Orleans client to the gateways). 20 forced renewals
/// (<c>IDomainGrain.RenewAsync</c>) of names validated by HTTP-01 (Pebble validates on node B's HTTP port, through a
/// gate) and TLS-ALPN-01 (node C's HTTPS port); for each, the time until every node serves the new serial (handshakes
/// to the three nodes in parallel, tight loop), measured from when RenewAsync returned and from when it was called.
/// Then the HTTP-01 responder as a CA sees it: while a renewal's HTTP-01 challenge is held open (the gate holds the
/// CA's validation connection, which also tells the bench the token and host the CA asked for), CA-style requests
/// (new connection each, right Host) to a node that does NOT hold the domain's grain, for that open token and for an
/// unknown token. Arguments: [renewals] (default 20) [challenge requests] (default 200).
/// </summary>
public static class PropagationBench
{
    private static readonly string[] Names = ["a.http.test", "a.alpn.test", "b.http.test", "b.alpn.test"];
    private const string ChallengeName = "challenge.http.test";

    public static async Task<int> RunAsync(string[] args)
    {
        var renewals = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var ports = Enumerable.Range(0, 3).Select(_ => (Http: FreePort.Next(), Https: FreePort.Next(), Silo: FreePort.Next(), Gateway: FreePort.Next())).ToArray();
        var gatePort = FreePort.Next();
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { HttpValidationPort = gatePort, TlsValidationPort = ports[2].Https, AuthorizationReusePercent = 0 });
        await using var gate = new PropagationChallengeGate(gatePort, ports[1].Http);
        var s3 = await SharedInfrastructure.S3Async();
        var bucket = await s3.CreateBucketAsync("propagation");
        var clusterId = $"prop-{Guid.NewGuid():N}"[..20];
        var config = Configuration(pebble, s3, bucket, clusterId);
        var nodes = new List<NodeProcess>();
        IHost? client = null;
        try
        {
            var watch = Stopwatch.StartNew();
            nodes.Add(await NodeProcess.StartAsync("prop-node-a", ports[0].Http, ports[0].Https, ports[0].Silo, ports[0].Gateway, ports[0].Silo, config, TimeSpan.FromSeconds(120)));
            nodes.AddRange(await Task.WhenAll(Enumerable.Range(1, 2).Select(i =>
                NodeProcess.StartAsync($"prop-node-{(char)('a' + i)}", ports[i].Http, ports[i].Https, ports[i].Silo, ports[i].Gateway, ports[0].Silo, config, TimeSpan.FromSeconds(120)))));
            client = Host.CreateDefaultBuilder()
                .ConfigureLogging(l => l.ClearProviders())
                .UseOrleansClient(c => c.UseLocalhostClustering(nodes.Select(n => n.GatewayPort).ToArray(), "coordinator-bench", clusterId))
                .Build();
            await client.StartAsync();
            var grains = client.Services.GetRequiredService<IClusterClient>();
            await grains.AddDomainsAsync([.. Names, ChallengeName]);
            foreach (var name in Names.Append(ChallengeName))
            {
                var status = await grains.GetGrain<IDomainGrain>(name).EnsureAsync(waitForCertificate: true);
                if (status.SerialNumber is null)
                {
                    throw new InvalidOperationException($"{name} was not issued: {status.State} {status.LastError}");
                }

                // Every node caches the name once (a miss); the renewals below then travel by push.
                await WaitServedAsync(nodes, name, status.SerialNumber, TimeSpan.FromSeconds(30));
            }

            Console.Error.WriteLine($"propagation: cluster up and {Names.Length + 1} names issued and served everywhere in {watch.Elapsed.TotalSeconds:0.0} s");

            var fromReturn = new List<double>();
            var fromCall = new List<double>();
            var callDurations = new List<double>();
            var pollMs = new List<double>();
            for (var i = 0; i < renewals; i++)
            {
                var name = Names[i % Names.Length];
                var grain = grains.GetGrain<IDomainGrain>(name);
                var old = (await grain.GetStatusAsync()).SerialNumber!;
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                var called = Stopwatch.GetTimestamp();
                var pollers = nodes.Select(n => FirstNewSerialAsync(n, name, old, cts.Token)).ToArray();
                var status = await grain.RenewAsync();
                var returned = Stopwatch.GetTimestamp();
                if (status.SerialNumber is null || SameSerial(status.SerialNumber, old))
                {
                    throw new InvalidOperationException($"renewal {i + 1} of {name} gave no new certificate: {status.State} {status.LastError}");
                }

                var seen = await Task.WhenAll(pollers);
                if (seen.FirstOrDefault(s => !SameSerial(s.Serial, status.SerialNumber)) is { Serial: not null } wrong)
                {
                    throw new InvalidOperationException($"renewal {i + 1} of {name}: a node served {wrong.Serial}, expected {status.SerialNumber}");
                }

                var everywhere = seen.Max(s => s.At);
                fromReturn.Add(Stopwatch.GetElapsedTime(returned, everywhere).TotalMilliseconds);
                fromCall.Add(Stopwatch.GetElapsedTime(called, everywhere).TotalMilliseconds);
                callDurations.Add(Stopwatch.GetElapsedTime(called, returned).TotalMilliseconds);
                pollMs.AddRange(seen.Select(s => s.MsPerHandshake));
                Console.Error.WriteLine($"  renewal {i + 1,2} {name,-12} RenewAsync {callDurations[^1],7:0.0} ms, served everywhere {fromReturn[^1],7:0.0} ms after it returned ({fromCall[^1]:0.0} ms after the call)");
            }

            Print("propagation.renewals", renewals.ToString(CultureInfo.InvariantCulture));
            Print("propagation.p50_ms", F(Percentile(fromReturn, 50)));
            Print("propagation.p99_ms", F(Percentile(fromReturn, 99)));
            Print("propagation.max_ms", F(fromReturn.Max()));
            Print("propagation.from_call_p50_ms", F(Percentile(fromCall, 50)));
            Print("propagation.from_call_p99_ms", F(Percentile(fromCall, 99)));
            Print("propagation.renew_call_p50_ms", F(Percentile(callDurations, 50)));
            Print("propagation.renew_call_p99_ms", F(Percentile(callDurations, 99)));
            Print("propagation.poll_handshake_ms_p50", F(Percentile(pollMs, 50))); // the resolution of the figures above

            return await ChallengeAsync(grains, nodes, gate, requests);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            Console.Error.WriteLine($"propagation: FAILED: {e.Message}\n{pebble.Output}{string.Concat(nodes.Select(n => n.Process.Output))}");
            return 1;
        }
        finally
        {
            if (client is not null)
            {
                try
                {
                    await client.StopAsync();
                }
                catch (Exception)
                {
                }

                client.Dispose();
            }

            foreach (var n in nodes)
            {
                await n.DisposeAsync();
            }
        }
    }

    /// <summary>HTTP-01 answers from a node that does not hold the grain, while a real challenge is open at Pebble.</summary>
    private static async Task<int> ChallengeAsync(IClusterClient grains, List<NodeProcess> nodes, PropagationChallengeGate gate, int requests)
    {
        var grain = grains.GetGrain<IDomainGrain>(ChallengeName);
        gate.Hold();
        var renewal = grain.RenewAsync();
        var captured = await gate.Captured.WaitAsync(TimeSpan.FromSeconds(30));
        var token = captured.Path.Split('/').Last();
        var holder = (await grain.GetStatusAsync()).LeaseHolder ?? string.Empty;
        var node = nodes.FirstOrDefault(n => !holder.Contains($":{n.SiloPort}:", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"every node looks like the lease holder {holder}");
        Console.Error.WriteLine($"propagation: Pebble asked {captured.Host} for {captured.Path}; grain on {holder}; asking {node.Name} (silo port {node.SiloPort})");

        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        var known = new List<double>();
        var unknown = new List<double>();
        var errors = new List<string>();
        var unknownToken = "bench" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < requests; i++)
        {
            // Interleaved, so both paths see the same machine state.
            known.Add(await GetAsync(http, node, captured.Host, token, expectFound: true, errors));
            unknown.Add(await GetAsync(http, node, captured.Host, unknownToken, expectFound: false, errors));
        }

        gate.Release();
        var status = await renewal.WaitAsync(TimeSpan.FromSeconds(60));

        // What was measured: the open token and Host read from Pebble's own validation request (held open), asked of a
        // node that does not hold the grain, a new connection per request; and an unknown token on the same node.
        Print("challenge.http01_measured", "open_token_on_non_holder_node");
        Print("challenge.http01_requests", requests.ToString(CultureInfo.InvariantCulture));
        Print("challenge.http01_p50_ms", F(Percentile(known, 50)));
        Print("challenge.http01_p99_ms", F(Percentile(known, 99)));
        Print("challenge.http01_unknown_token_p50_ms", F(Percentile(unknown, 50)));
        Print("challenge.http01_unknown_token_p99_ms", F(Percentile(unknown, 99)));
        Print("challenge.renewal_after_release", status.State.ToString());
        foreach (var e in errors.Take(10))
        {
            Console.Error.WriteLine($"propagation: REJECTED: {e}");
        }

        if (status.State != DomainState.Valid)
        {
            Console.Error.WriteLine($"propagation: the held renewal did not complete after release: {status.State} {status.LastError}");
            return 1;
        }

        return errors.Count == 0 ? 0 : 1;
    }

    private static async Task<double> GetAsync(HttpClient http, NodeProcess node, string host, string token, bool expectFound, List<string> errors)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{node.HttpPort}/.well-known/acme-challenge/{token}"));
        request.Headers.Host = host;
        request.Headers.ConnectionClose = true;
        var start = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var ok = expectFound ? response.IsSuccessStatusCode && body.StartsWith(token + ".", StringComparison.Ordinal) : (int)response.StatusCode == 404;
        if (!ok)
        {
            errors.Add($"{(expectFound ? "open" : "unknown")} token on {node.Name}: {(int)response.StatusCode} '{body}'");
        }

        return ms;
    }

    /// <summary>Handshakes in a tight loop until the node serves a serial other than <paramref name="old"/>; returns it and when.</summary>
    private static async Task<(string? Serial, long At, double MsPerHandshake)> FirstNewSerialAsync(NodeProcess node, string name, string old, CancellationToken cancel)
    {
        await Task.Yield();
        var start = Stopwatch.GetTimestamp();
        for (var polls = 1; ; polls++)
        {
            cancel.ThrowIfCancellationRequested();
            var served = await node.HandshakeAsync(name, "http/1.1");
            var at = Stopwatch.GetTimestamp();
            if (!SameSerial(served.Leaf.SerialNumber, old))
            {
                return (served.Leaf.SerialNumber, at, Stopwatch.GetElapsedTime(start, at).TotalMilliseconds / polls);
            }
        }
    }

    private static async Task WaitServedAsync(List<NodeProcess> nodes, string name, string serial, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var node in nodes)
        {
            while (!SameSerial((await node.HandshakeAsync(name, "http/1.1")).Leaf.SerialNumber, serial))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{node.Name} did not serve {name} {serial} within {timeout.TotalSeconds:0} s");
                }

                await Task.Delay(100);
            }
        }
    }

    private static bool SameSerial(string? a, string? b) =>
        a is not null && b is not null && string.Equals(a.TrimStart('0'), b.TrimStart('0'), StringComparison.OrdinalIgnoreCase);

    private static Dictionary<string, string> Configuration(PebbleServer pebble, S3Server s3, string bucket, string clusterId)
    {
        var c = new Dictionary<string, string>(NodeProcess.S3StorageEnvironment(s3, bucket))
        {
            ["Coordinator__Cluster__ClusterId"] = clusterId,
            ["Coordinator__Cluster__ServiceId"] = "coordinator-bench",
            ["Coordinator__Storage__KeyRing__PrimaryKeyId"] = "k1",
            ["Coordinator__Storage__KeyRing__Keys__k1"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Coordinator__Renewal__MaintenanceInterval"] = "00:00:01",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var issuers = new[] { ("pebble-http", "http-01", "*.http.test"), ("pebble-alpn", "tls-alpn-01", "*.alpn.test") };
        for (var i = 0; i < issuers.Length; i++)
        {
            c[$"Coordinator__Issuers__{i}__Name"] = issuers[i].Item1;
            c[$"Coordinator__Issuers__{i}__DirectoryUrl"] = pebble.DirectoryUri.ToString();
            c[$"Coordinator__Issuers__{i}__TrustedCaCertificatePath"] = InfraPaths.CaCertificatePath;
            c[$"Coordinator__Issuers__{i}__Challenges__0"] = issuers[i].Item2;
            c[$"Coordinator__Issuers__{i}__ForDomains__0"] = issuers[i].Item3;
        }

        return c;
    }

    /// <summary>Nearest-rank percentile (with 20 samples, p99 is the largest).</summary>
    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static void Print(string name, string value) => Console.WriteLine($"{name}: {value}");

    private static string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
