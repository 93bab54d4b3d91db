using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Coordinator.Testing;

/// <summary>
/// A real HTTPS reverse proxy in front of Pebble that counts, on the wire, every newOrder request that reaches
/// the CA and every order the CA opened (201), per identifier. Clients use <see cref="DirectoryUri"/>; the Host header is passed through, so every
/// URL Pebble hands out points back at this proxy and every later request is seen too.
/// </summary>
public sealed class AcmeWireCounter : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly HttpClient upstream;
    private readonly ConcurrentDictionary<string, int> newOrders = new(StringComparer.OrdinalIgnoreCase);
    private int totalNewOrders;
    private int newOrderRequests;

    private AcmeWireCounter(WebApplication app, HttpClient upstream, int port)
    {
        this.app = app;
        this.upstream = upstream;
        DirectoryUri = new Uri($"https://127.0.0.1:{port}/dir");
    }

    /// <summary>The directory URL to give clients (through the proxy).</summary>
    public Uri DirectoryUri { get; }

    /// <summary>Orders the CA opened (newOrder requests answered 201 Created), all identifiers.</summary>
    public int TotalNewOrders => totalNewOrders;

    /// <summary>Every newOrder request that reached the CA, whatever the answer (badNonce rejections included).</summary>
    public int NewOrderRequests => newOrderRequests;

    /// <summary>Orders the CA opened (201 Created) that name <paramref name="identifier"/>.</summary>
    public int NewOrdersFor(string identifier) => newOrders.TryGetValue(identifier, out var n) ? n : 0;

    /// <summary>Every identifier with its newOrder count.</summary>
    public IReadOnlyDictionary<string, int> NewOrders => new Dictionary<string, int>(newOrders);

    /// <summary>Starts the proxy in front of <paramref name="pebble"/>.</summary>
    public static async Task<AcmeWireCounter> StartAsync(PebbleServer pebble)
    {
        ArgumentNullException.ThrowIfNull(pebble);
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var cert = X509Certificate2.CreateFromPemFile(InfraPaths.PebbleCertificatePath, InfraPaths.PebbleKeyPath);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.UseHttps(cert)));
        var app = builder.Build();
        var upstream = new HttpClient(PebbleServer.CreateHttpHandler()) { Timeout = TimeSpan.FromSeconds(60) };
        var counter = new AcmeWireCounter(app, upstream, port);
        var target = new Uri($"https://{pebble.DirectoryUri.Authority}");
        app.Run(ctx => counter.ForwardAsync(ctx, target));
        await app.StartAsync();
        return counter;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        upstream.Dispose();
    }

    private async Task ForwardAsync(HttpContext ctx, Uri target)
    {
        using var body = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(body);
        var bytes = body.ToArray();
        var isNewOrder = HttpMethods.IsPost(ctx.Request.Method) && ctx.Request.Path.Value?.Contains("order-plz", StringComparison.Ordinal) == true;

        using var request = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), new Uri(target, ctx.Request.Path + ctx.Request.QueryString));
        if (bytes.Length > 0 || HttpMethods.IsPost(ctx.Request.Method))
        {
            request.Content = new ByteArrayContent(bytes);
        }

        foreach (var h in ctx.Request.Headers)
        {
            if (h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase) || h.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                if (h.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && request.Content is not null && !h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    request.Content.Headers.TryAddWithoutValidation(h.Key, (IEnumerable<string?>)h.Value);
                }

                continue;
            }

            request.Headers.TryAddWithoutValidation(h.Key, (IEnumerable<string?>)h.Value);
        }

        request.Headers.Host = ctx.Request.Host.Value; // Pebble builds its URLs from Host: they point back here
        using var response = await upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ctx.RequestAborted);
        if (isNewOrder)
        {
            Interlocked.Increment(ref newOrderRequests);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                Count(bytes); // an order the CA opened (a badNonce rejection opens none)
            }
        }

        ctx.Response.StatusCode = (int)response.StatusCode;
        foreach (var h in response.Headers.Concat(response.Content.Headers))
        {
            if (h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            ctx.Response.Headers[h.Key] = h.Value.ToArray();
        }

        await response.Content.CopyToAsync(ctx.Response.Body, ctx.RequestAborted);
    }

    private void Count(byte[] jws)
    {
        try
        {
            using var doc = JsonDocument.Parse(jws);
            var payload = doc.RootElement.GetProperty("payload").GetString() ?? string.Empty;
            var json = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(payload.Replace('-', '+').Replace('_', '/'))));
            using var order = JsonDocument.Parse(json);
            Interlocked.Increment(ref totalNewOrders);
            foreach (var id in order.RootElement.GetProperty("identifiers").EnumerateArray())
            {
                newOrders.AddOrUpdate(id.GetProperty("value").GetString() ?? "?", 1, (_, n) => n + 1);
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            Interlocked.Increment(ref totalNewOrders);
            newOrders.AddOrUpdate("(unparsable)", 1, (_, n) => n + 1);
        }
    }

    private static string Pad(string s) => s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
}
