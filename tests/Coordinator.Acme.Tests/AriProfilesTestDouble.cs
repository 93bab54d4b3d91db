using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coordinator.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Coordinator.Acme.Tests;

/// <summary>
/// TEST DOUBLE — not an ACME CA. A real Kestrel HTTP server on 127.0.0.1 that implements only what Pebble 2.4
/// lacks: ARI (<c>renewalInfo</c>, RFC 9773) and certificate profiles (<c>meta.profiles</c> and newOrder's
/// <c>profile</c>), plus the few endpoints needed to reach them (directory, newNonce, newAccount, newOrder). It
/// checks every JWS it receives (nonce issued and unused, <c>url</c> = request URL, ES256 signature by the
/// account's <c>jwk</c>) and records each request, so tests can assert the exact wire request. Tests also use
/// <see cref="Override"/> to make it answer deliberately broken responses (not JSON, truncated, oversized,
/// unexpected statuses), which no real CA can be made to send. Everything else is issued by the real Pebble.
/// </summary>
public sealed class AriProfilesTestDouble : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, bool> issuedNonces = new();
    private ECDsa? accountKey;
    private int nonceCounter;

    private AriProfilesTestDouble(WebApplication app, int port)
    {
        this.app = app;
        BaseUri = new Uri($"http://127.0.0.1:{port}/");
    }

    public sealed record Request(string Method, string Path, JsonObject? Protected, JsonNode? Payload, string? Error);

    public Uri BaseUri { get; }

    public Uri DirectoryUri => new(BaseUri, "dir");

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Path → handler replacing the normal answer (for broken responses). Handlers may be swapped at any time.</summary>
    public ConcurrentDictionary<string, Func<HttpContext, Task>> Override { get; } = new(StringComparer.Ordinal);

    /// <summary>Profiles advertised in <c>meta.profiles</c>. Default: classic and shortlived.</summary>
    public Dictionary<string, string> Profiles { get; } = new() { ["classic"] = "90-day certificates", ["shortlived"] = "6-day certificates" };

    /// <summary>Whether the directory advertises <c>renewalInfo</c>. Default: true.</summary>
    public bool AdvertiseRenewalInfo { get; set; } = true;

    /// <summary>The suggested window and Retry-After seconds the renewalInfo endpoint answers.</summary>
    public (DateTimeOffset Start, DateTimeOffset End, int RetryAfterSeconds) Window { get; set; } =
        (DateTimeOffset.Parse("2026-12-20T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse("2026-12-22T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), 21600);

    public static async Task<AriProfilesTestDouble> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var server = new AriProfilesTestDouble(app, port);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    public IReadOnlyList<Request> RequestsTo(string path) => [.. Requests.Where(r => r.Path == path)];

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        accountKey?.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var requestUrl = new Uri(BaseUri, path.TrimStart('/'));
        JsonObject? header = null;
        JsonNode? payload = null;
        string? error = null;
        if (HttpMethods.IsPost(context.Request.Method))
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            (header, payload, error) = CheckJws(await reader.ReadToEndAsync(), requestUrl, path == "/new-account");
        }

        Requests.Enqueue(new Request(context.Request.Method, path, header, payload, error));
        context.Response.Headers["Replay-Nonce"] = NewNonce();
        if (Override.TryGetValue(path, out var handler))
        {
            await handler(context);
            return;
        }

        if (error is not null)
        {
            await ProblemAsync(context, 400, "urn:ietf:params:acme:error:malformed", error);
            return;
        }

        switch (path)
        {
            case "/dir":
                var directory = new JsonObject
                {
                    ["newNonce"] = Url("nonce"),
                    ["newAccount"] = Url("new-account"),
                    ["newOrder"] = Url("new-order"),
                    ["meta"] = new JsonObject { ["profiles"] = new JsonObject(Profiles.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))) },
                };
                if (AdvertiseRenewalInfo)
                {
                    directory["renewalInfo"] = Url("renewal-info/");
                }

                await JsonAsync(context, 200, directory);
                break;
            case "/nonce":
                context.Response.StatusCode = HttpMethods.IsHead(context.Request.Method) ? 200 : 204;
                break;
            case "/new-account":
                context.Response.Headers.Location = Url("acct/1");
                await JsonAsync(context, 201, new JsonObject { ["status"] = "valid", ["contact"] = new JsonArray() });
                break;
            case "/new-order":
                var order = new JsonObject
                {
                    ["status"] = "pending",
                    ["identifiers"] = payload?["identifiers"]?.DeepClone(),
                    ["authorizations"] = new JsonArray(Url("authz/1")),
                    ["finalize"] = Url("order/1/finalize"),
                };
                if (payload?["profile"] is { } profile)
                {
                    order["profile"] = profile.DeepClone();
                }

                if (payload?["replaces"] is { } replaces)
                {
                    order["replaces"] = replaces.DeepClone();
                }

                context.Response.Headers.Location = Url("order/1");
                await JsonAsync(context, 201, order);
                break;
            case var p when p.StartsWith("/renewal-info/", StringComparison.Ordinal) && HttpMethods.IsGet(context.Request.Method):
                context.Response.Headers.RetryAfter = Window.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await JsonAsync(context, 200, new JsonObject
                {
                    ["suggestedWindow"] = new JsonObject { ["start"] = Window.Start.ToString("O"), ["end"] = Window.End.ToString("O") },
                    ["explanationURL"] = "https://status.example.test/incident/1",
                });
                break;
            default:
                await ProblemAsync(context, 404, "urn:ietf:params:acme:error:malformed", $"the test double does not implement {path}");
                break;
        }
    }

    public static async Task JsonAsync(HttpContext context, int status, JsonNode body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body.ToJsonString());
    }

    public static Task ProblemAsync(HttpContext context, int status, string type, string detail) =>
        JsonAsync(context, status, new JsonObject { ["type"] = type, ["detail"] = detail, ["status"] = status }, "application/problem+json");

    private string Url(string relative) => new Uri(BaseUri, relative).AbsoluteUri;

    private string NewNonce()
    {
        var nonce = "nonce-" + Interlocked.Increment(ref nonceCounter);
        issuedNonces[nonce] = true;
        return nonce;
    }

    private (JsonObject? Header, JsonNode? Payload, string? Error) CheckJws(string body, Uri requestUrl, bool expectJwk)
    {
        try
        {
            var jws = JsonNode.Parse(body)!.AsObject();
            var protectedB64 = jws["protected"]!.GetValue<string>();
            var payloadB64 = jws["payload"]!.GetValue<string>();
            var signature = Base64Url.DecodeFromChars(jws["signature"]!.GetValue<string>());
            var header = JsonNode.Parse(Base64Url.DecodeFromChars(protectedB64))!.AsObject();
            var payload = payloadB64.Length == 0 ? null : JsonNode.Parse(Base64Url.DecodeFromChars(payloadB64));
            var nonce = header["nonce"]?.GetValue<string>();
            if (nonce is null || !issuedNonces.TryRemove(nonce, out _))
            {
                return (header, payload, $"nonce '{nonce}' was not issued or was already used");
            }

            if (header["url"]?.GetValue<string>() != requestUrl.AbsoluteUri)
            {
                return (header, payload, $"url '{header["url"]}' is not the request URL {requestUrl}");
            }

            if (expectJwk)
            {
                var jwk = header["jwk"]!;
                accountKey?.Dispose();
                accountKey = ECDsa.Create(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint { X = Base64Url.DecodeFromChars(jwk["x"]!.GetValue<string>()), Y = Base64Url.DecodeFromChars(jwk["y"]!.GetValue<string>()) },
                });
            }
            else if (header["kid"]?.GetValue<string>() != Url("acct/1"))
            {
                return (header, payload, $"kid '{header["kid"]}' is not the account URL");
            }

            var input = Encoding.ASCII.GetBytes(protectedB64 + "." + payloadB64);
            if (header["alg"]?.GetValue<string>() != "ES256" || accountKey is null || !accountKey.VerifyData(input, signature, HashAlgorithmName.SHA256))
            {
                return (header, payload, "the signature does not verify with the account's ES256 key");
            }

            return (header, payload, null);
        }
        catch (Exception e) when (e is JsonException or FormatException or NullReferenceException or InvalidOperationException)
        {
            return (null, null, "not a flattened JWS: " + e.Message);
        }
    }
}
