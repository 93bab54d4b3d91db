using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Coordinator.Acme;
using Coordinator.Testing;

namespace Coordinator.Bench;

/// <summary>
/// <c>./build.sh bench acme</c>: issues the same single-name certificates (HTTP-01) from one real Pebble
/// (VA no-sleep, no authorization reuse), first with Coordinator.Acme (sequentially, then again with 4 orders in
/// flight on one client), then with Debian's <c>lego</c> (one process per certificate, as it is used), and prints
/// seconds per certificate and the speed-up. Every certificate is checked to exist and, for ours, to verify.
/// Arguments: [count] (default 20).
/// </summary>
public static class AcmeBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var lego = InfraPaths.RequireExecutable("lego", "apt-get install -y lego");
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { AuthorizationReusePercent = 0 });
        var names = Enumerable.Range(1, count).Select(i => $"bench-{i}.example.test").ToList();

        var ours = await OursAsync(pebble, names, parallelism: 1, "seq");
        var oursConcurrent = await OursAsync(pebble, names, parallelism: 4, "par");
        var legoSeconds = await LegoAsync(pebble, lego, names);

        Print("acme.certificates", count.ToString(CultureInfo.InvariantCulture));
        Print("acme.seconds_per_cert_ours", F(ours / count));
        Print("acme.seconds_per_cert_lego", F(legoSeconds / count));
        Print("acme.speedup_vs_lego", F(legoSeconds / ours));
        Print("acme.seconds_per_cert_ours_4_in_flight", F(oursConcurrent / count));
        Print("acme.speedup_vs_lego_4_in_flight", F(legoSeconds / oursConcurrent));
        return 0;
    }

    private static async Task<double> OursAsync(PebbleServer pebble, List<string> names, int parallelism, string tag)
    {
        await using var responder = new AcmeBenchResponder(pebble.HttpValidationPort);
        using var http = PebbleServer.CreateHttpClient();
        using var root = await pebble.GetIssuingRootAsync();
        var watch = Stopwatch.StartNew();
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(http, pebble.DirectoryUri, key);
        await client.CreateAccountAsync(["mailto:bench@example.test"], termsOfServiceAgreed: true);
        var chains = new AcmeCertificateChain[names.Count];
        await Parallel.ForAsync(0, names.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, ct) =>
        {
            var order = await client.NewOrderAsync([AcmeIdentifier.Dns(names[i])], ct: ct);
            foreach (var url in order.Authorizations)
            {
                var authz = await client.GetAuthorizationAsync(url, ct);
                var challenge = authz.Challenge(AcmeChallenge.Http01)!;
                responder.Tokens[challenge.Token] = client.GetKeyAuthorization(challenge.Token);
                await client.AnswerChallengeAsync(challenge.Url, ct);
                await client.WaitForAuthorizationAsync(url, ct);
            }

            order = await client.WaitForOrderAsync(order.Url, ct);
            var (csr, _) = CertificateSigningRequest.Create([names[i]], AcmeKeyType.EcdsaP256);
            order = await client.FinalizeAsync(order, csr, ct);
            order = await client.WaitForOrderAsync(order.Url, ct);
            chains[i] = await client.DownloadCertificateAsync(order.Certificate!, ct);
        });
        var seconds = watch.Elapsed.TotalSeconds;

        for (var i = 0; i < names.Count; i++)
        {
            var certs = chains[i].GetCertificates();
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ExtraStore.AddRange(certs.Skip(1).ToArray());
            if (!chain.Build(certs[0]) || certs[0].GetNameInfo(X509NameType.DnsName, false) != names[i])
            {
                throw new InvalidOperationException($"ours ({tag}): the certificate for {names[i]} does not verify");
            }
        }

        return seconds;
    }

    private static async Task<double> LegoAsync(PebbleServer pebble, string lego, List<string> names)
    {
        var path = Path.Combine(Path.GetTempPath(), "coordinator-bench-lego-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        try
        {
            var watch = Stopwatch.StartNew();
            foreach (var name in names)
            {
                await RunLegoAsync(lego, pebble, path, name);
                if (!File.Exists(Path.Combine(path, "certificates", name + ".crt")))
                {
                    throw new InvalidOperationException($"lego wrote no certificate for {name}");
                }
            }

            return watch.Elapsed.TotalSeconds;
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static async Task RunLegoAsync(string lego, PebbleServer pebble, string path, string name)
    {
        var psi = new ProcessStartInfo(lego)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "--server", pebble.DirectoryUri.AbsoluteUri, "--accept-tos", "--email", "bench@example.test", "--path", path,
            "--key-type", "ec256", "--http", "--http.port", $"127.0.0.1:{pebble.HttpValidationPort}", "--domains", name, "run",
        })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["LEGO_CA_CERTIFICATES"] = InfraPaths.CaCertificatePath;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start lego");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"lego did not finish {name} within 2 minutes:\n{await stderr}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"lego failed for {name} (exit {process.ExitCode}):\n{await stdout}\n{await stderr}\n{pebble.Output}");
        }
    }

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static void Print(string name, string value) => Console.WriteLine($"{name}: {value}");
}
