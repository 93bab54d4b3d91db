using System.Net.Sockets;
using System.Text;
using Amazon.S3.Model;
using Coordinator;
using Coordinator.Demo;
using Coordinator.Testing;
using Coordinator.Testing.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

// ./build.sh demo [--once]: the whole topology on loopback, with real parts only:
// Pebble (the CA) → HAProxy (TCP passthrough) → any of three Coordinator nodes → the domain's grain.
var once = args.Contains("--once");
string[] names = ["www.demo.test", "api.demo.test", "shop.demo.test"];
var work = Path.Combine(InfraPaths.WorkDirectory, "demo");
Directory.CreateDirectory(work);
var lbHttp = PreferredPort(8080);
var lbHttps = PreferredPort(8443);
var ports = Enumerable.Range(0, 3).Select(_ => (Http: FreePort.Next(), Https: FreePort.Next(), Silo: FreePort.Next(), Gateway: FreePort.Next())).ToArray();
var disposables = new Stack<IAsyncDisposable>();
var exit = 0;
try
{
    PebbleServer pebble = null!;
    S3Server s3 = null!;
    string bucket = null!;
    var nodes = new List<NodeProcess>();
    IHost client = null!;
    var clusterId = "demo";
    await AnsiConsole.Status().StartAsync("Starting", async ctx =>
    {
        ctx.Status("Starting Pebble (the ACME CA) — it validates challenges through the load balancer");
        pebble = await PebbleServer.StartAsync(new PebbleOptions { HttpValidationPort = lbHttp, TlsValidationPort = lbHttps });
        disposables.Push(pebble);
        ctx.Status("Starting the S3 server (fauxqs)");
        s3 = await S3Server.StartAsync(S3ServerKind.Conditional);
        disposables.Push(s3);
        bucket = await s3.CreateBucketAsync("coordinator-demo");
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var config = new Dictionary<string, string>(NodeProcess.S3StorageEnvironment(s3, bucket))
        {
            ["Coordinator__Cluster__ClusterId"] = clusterId,
            ["Coordinator__Cluster__ServiceId"] = "coordinator-demo",
            ["Coordinator__Storage__KeyRing__PrimaryKeyId"] = "demo-1",
            ["Coordinator__Storage__KeyRing__Keys__demo-1"] = key,
            ["Coordinator__Issuers__0__Name"] = "pebble",
            ["Coordinator__Issuers__0__DirectoryUrl"] = pebble.DirectoryUri.ToString(),
            ["Coordinator__Issuers__0__TrustedCaCertificatePath"] = InfraPaths.CaCertificatePath,
            ["Coordinator__Issuers__0__Challenges__0"] = "tls-alpn-01",
            ["Coordinator__Issuers__0__Challenges__1"] = "http-01",
            ["Coordinator__Renewal__MaintenanceInterval"] = "00:00:01",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        ctx.Status("Starting node-a (ASP.NET Core + cohosted Orleans silo; the others join through it)");
        nodes.Add(await NodeProcess.StartAsync("node-a", ports[0].Http, ports[0].Https, ports[0].Silo, ports[0].Gateway, ports[0].Silo, config));
        disposables.Push(nodes[0]);
        ctx.Status("Starting node-b and node-c");
        foreach (var node in await Task.WhenAll(Enumerable.Range(1, 2).Select(i =>
            NodeProcess.StartAsync($"node-{(char)('a' + i)}", ports[i].Http, ports[i].Https, ports[i].Silo, ports[i].Gateway, ports[0].Silo, config))))
        {
            nodes.Add(node);
            disposables.Push(node);
        }

        ctx.Status("Starting HAProxy (TCP passthrough: it holds no key)");
        disposables.Push(await HaProxy.StartAsync(lbHttp, lbHttps, ports.Select(p => (p.Http, p.Https)).ToList(), work));
        client = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .UseOrleansClient(c => c.UseLocalhostClustering(ports.Select(p => p.Gateway).ToArray(), "coordinator-demo", clusterId))
            .Build();
        await client.StartAsync();
        await client.Services.GetRequiredService<IClusterClient>().AddDomainsAsync(names);
    });

    var grains = client.Services.GetRequiredService<IClusterClient>();
    AnsiConsole.MarkupLine($"[grey]Pebble {pebble.DirectoryUri} · S3 {s3.Endpoint} bucket {bucket} · HAProxy https://127.0.0.1:{lbHttps} http://127.0.0.1:{lbHttp}[/]");
    var table = new Table().Border(TableBorder.Rounded).AddColumns("name", "state", "serial", "not after", "issuer", "served by");
    var done = false;
    var deadline = DateTime.UtcNow.AddSeconds(120);
    await AnsiConsole.Live(table).StartAsync(async ctx =>
    {
        while (!done && DateTime.UtcNow < deadline)
        {
            table.Rows.Clear();
            var complete = 0;
            foreach (var name in names)
            {
                var status = await grains.GetGrain<IDomainGrain>(name).GetStatusAsync();
                var servedBy = new List<string>();
                if (status.SerialNumber is { } serial)
                {
                    foreach (var node in nodes)
                    {
                        var served = await node.HandshakeAsync(name, "http/1.1");
                        if (string.Equals(served.Leaf.SerialNumber, serial, StringComparison.OrdinalIgnoreCase))
                        {
                            servedBy.Add(node.Name);
                        }
                    }
                }

                complete += servedBy.Count == nodes.Count ? 1 : 0;
                table.AddRow(name, status.State.ToString(), status.SerialNumber ?? "…", status.NotAfter?.ToString("u") ?? "", status.Issuer ?? "", servedBy.Count == 0 ? "…" : string.Join(", ", servedBy));
            }

            ctx.Refresh();
            done = complete == names.Length;
            if (!done)
            {
                await Task.Delay(500);
            }
        }
    });

    if (!done)
    {
        throw new InvalidOperationException("not every name was issued and served by every node within 120 s");
    }

    // Through the load balancer, as a browser would: every chain verifies against Pebble's root.
    AnsiConsole.MarkupLine($"[bold]Through the load balancer[/] (https://<name>:{lbHttps}, TCP passthrough):");
    foreach (var name in names)
    {
        var served = await Tls.HandshakeAsync(lbHttps, name, "http/1.1");
        var ok = served.DnsNames.Contains(name) && await pebble.VerifiesAsync(served.Leaf, served.Chain);
        var hello = await GetThroughBalancerAsync(name, lbHttps);
        AnsiConsole.MarkupLine($"  {(ok ? "[green]✓[/]" : "[red]✗[/]")} {name}: serial {served.Leaf.SerialNumber}, chain verifies against Pebble's root: {ok} — {Markup.Escape(hello.Trim())}");
        exit |= ok ? 0 : 1;
    }

    // The bucket holds only ciphertext: no PEM block, no domain name, in names or bodies.
    using (var s3Client = s3.CreateClient())
    {
        var objects = (await s3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects ?? [];
        var leaks = 0;
        var bucketTable = new Table().Border(TableBorder.Simple).AddColumns("object name", "bytes", "first bytes");
        foreach (var o in objects)
        {
            using var get = await s3Client.GetObjectAsync(bucket, o.Key);
            using var ms = new MemoryStream();
            await get.ResponseStream.CopyToAsync(ms);
            var body = ms.ToArray();
            var text = Encoding.Latin1.GetString(body) + " " + o.Key;
            leaks += Markers.Count(s => text.Contains(s, StringComparison.OrdinalIgnoreCase));
            bucketTable.AddRow(o.Key.Length > 40 ? o.Key[..40] + "…" : o.Key, body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Convert.ToHexString(body.AsSpan(0, Math.Min(16, body.Length))));
        }

        AnsiConsole.MarkupLine($"[bold]The bucket[/] ({objects.Count} objects, secretbox-sealed):");
        AnsiConsole.Write(bucketTable);
        AnsiConsole.MarkupLine(leaks == 0 ? "  [green]✓[/] no PEM block, certificate or domain name anywhere in the bucket" : $"  [red]✗ {leaks} readable secrets or names found[/]");
        exit |= leaks == 0 ? 0 : 1;
    }

    var rootPath = Path.Combine(work, "pebble-root.pem");
    await File.WriteAllTextAsync(rootPath, await pebble.GetIssuingRootPemAsync());
    if (once)
    {
        AnsiConsole.MarkupLine(exit == 0 ? "[green]demo --once: every name verified through the load balancer[/]" : "[red]demo --once: verification failed[/]");
    }
    else
    {
        AnsiConsole.MarkupLine("\n[bold]Try it[/] (Ctrl-C to stop everything):");
        foreach (var name in names)
        {
            AnsiConsole.WriteLine($"  curl --cacert {rootPath} --resolve {name}:{lbHttps}:127.0.0.1 https://{name}:{lbHttps}/");
        }

        AnsiConsole.WriteLine($"  curl -H 'Host: www.demo.test' http://127.0.0.1:{lbHttp}/");
        AnsiConsole.WriteLine($"  dotnet run --project hosts/Coordinator.Cli -- --gateway 127.0.0.1:{ports[0].Gateway} --cluster-id {clusterId} --service-id coordinator-demo status");
        var stop = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.TrySetResult();
        };
        await stop.Task;
    }

    await client.StopAsync();
    client.Dispose();
}
catch (Exception e)
{
    AnsiConsole.MarkupLine($"[red]demo failed:[/] {Markup.Escape(e.Message)}");
    exit = 1;
}
finally
{
    AnsiConsole.MarkupLine("[grey]Stopping every process the demo started…[/]");
    while (disposables.Count > 0)
    {
        await disposables.Pop().DisposeAsync();
    }
}

return exit;

static int PreferredPort(int port)
{
    try
    {
        var l = new TcpListener(System.Net.IPAddress.Loopback, port);
        l.Start();
        l.Stop();
        return port;
    }
    catch (SocketException)
    {
        return FreePort.Next();
    }
}

static async Task<string> GetThroughBalancerAsync(string name, int port)
{
    var ca = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
    using var handler = new SocketsHttpHandler
    {
        ConnectCallback = async (ctx, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
        // The chain was verified against Pebble's root just before; this request only shows which node answered.
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null },
    };
    using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    return await http.GetStringAsync(new Uri($"https://{name}:{port}/"));
}

internal static partial class Program
{
    private static readonly string[] Markers = ["PRIVATE KEY", "CERTIFICATE", "demo.test"];
}
