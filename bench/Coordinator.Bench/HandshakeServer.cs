using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Coordinator.Bench;

/// <summary>
/// The server side of <c>bench handshake</c>, run as a child process (<c>handshake --server issue|serve DIR</c>, pinned to
/// core 0 by the parent): a one-node Coordinator (cohosted silo, Directory storage, Pebble issuer, configured through
/// environment variables) with an HTTP endpoint (HTTP-01 and <c>/bench/stats</c>) and the coordinated endpoint
/// (<c>UseCoordinatorHttps(allowTlsResume: false)</c>). <c>issue</c> obtains the certificate through Coordinator and
/// writes its chain and key to DIR, then exits; <c>serve</c> adds a static endpoint and an identical control endpoint
/// (<c>UseHttps</c> with that certificate, chain and key loaded from DIR, <c>AllowTlsResume = false</c>).
/// </summary>
internal static class HandshakeServer
{
    public const string Domain = "bench.handshake.test";

    public static async Task<int> RunAsync(string mode, string directory)
    {
        var ports = Environment.GetEnvironmentVariable("BENCH_PORTS")!.Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var (httpPort, coordinatedPort, staticPort, controlPort) = (ports[0], ports[1], ports[2], ports[3]);
        var serve = mode == "serve";

        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.AddCoordinator();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, httpPort);
            kestrel.Listen(IPAddress.Loopback, coordinatedPort, o =>
            {
                o.Protocols = HttpProtocols.Http1AndHttp2;
                o.UseCoordinatorHttps(allowTlsResume: false);
            });
            if (serve)
            {
                kestrel.Listen(IPAddress.Loopback, staticPort, o =>
                {
                    o.Protocols = HttpProtocols.Http1AndHttp2;
                    o.UseHttps(StaticOptions(directory));
                });
                kestrel.Listen(IPAddress.Loopback, controlPort, o =>
                {
                    o.Protocols = HttpProtocols.Http1AndHttp2;
                    o.UseHttps(StaticOptions(directory));
                });
            }
        });

        // Counts the coordinated endpoint's SNI lookups by result (hit, miss, fallback, acme-tls/1).
        var lookups = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Coordinator.AspNetCore" && instrument.Name == "coordinator.handshake.lookups")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "coordinator.cache.result")
                {
                    lookups.AddOrUpdate(tag.Value?.ToString() ?? "?", value, (_, v) => v + value);
                }
            }
        });
        listener.Start();

        var app = builder.Build();
        app.MapGet("/", () => "ok\n");
        app.MapGet("/bench/stats", () => string.Join(' ', lookups.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")));
        await app.StartAsync();

        if (serve)
        {
            Console.WriteLine("ready");
            await app.WaitForShutdownAsync();
            return 0;
        }

        var grains = app.Services.GetRequiredService<IGrainFactory>();
        var status = await grains.GetGrain<IDomainGrain>(Domain).EnsureAsync(waitForCertificate: true);
        var snapshot = await grains.GetGrain<IDomainGrain>(Domain).GetCertificateAsync()
            ?? throw new InvalidOperationException($"no certificate for {Domain}: {status.State} {status.LastError}");
        await File.WriteAllTextAsync(Path.Combine(directory, "chain.pem"), snapshot.ChainPem);
        File.WriteAllText(Path.Combine(directory, "key.pem"), string.Empty);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(directory, "key.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "key.pem"), snapshot.PrivateKeyPem);
        Console.WriteLine($"issued {snapshot.SerialNumber}");
        await app.StopAsync();
        return 0;
    }

    /// <summary>The same certificate, chain and key as the coordinated endpoint serves, loaded once at start-up.</summary>
    private static HttpsConnectionAdapterOptions StaticOptions(string directory)
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(Path.Combine(directory, "chain.pem"));
        var leaf = X509Certificate2.CreateFromPem(all[0].ExportCertificatePem(), File.ReadAllText(Path.Combine(directory, "key.pem")));
        var chain = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
        {
            chain.Add(all[i]);
        }

        return new HttpsConnectionAdapterOptions
        {
            ServerCertificate = leaf,
            ServerCertificateChain = chain,
            HandshakeTimeout = TimeSpan.FromSeconds(10),
            OnAuthenticate = (_, options) => options.AllowTlsResume = false,
        };
    }
}
