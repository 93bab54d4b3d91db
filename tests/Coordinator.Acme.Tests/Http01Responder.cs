using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Coordinator.Acme.Tests;

/// <summary>
/// A real Kestrel on 127.0.0.1:<c>port</c> answering <c>/.well-known/acme-challenge/{token}</c> with the key
/// authorization, as a web node would. Records the Host header of every hit so tests can see the CA really came.
/// </summary>
public sealed class Http01Responder : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, string> tokens = new(StringComparer.Ordinal);

    private Http01Responder(WebApplication app) => this.app = app;

    /// <summary>Hosts (Host header) that fetched a known token.</summary>
    public ConcurrentQueue<string> Hits { get; } = new();

    public static async Task<Http01Responder> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var responder = new Http01Responder(app);
        app.MapGet("/.well-known/acme-challenge/{token}", (string token, HttpContext context) =>
        {
            if (!responder.tokens.TryGetValue(token, out var keyAuthorization))
            {
                return Results.NotFound();
            }

            responder.Hits.Enqueue(context.Request.Host.Host);
            return Results.Text(keyAuthorization, "application/octet-stream");
        });
        await app.StartAsync();
        return responder;
    }

    public void Set(string token, string keyAuthorization) => tokens[token] = keyAuthorization;

    public void Remove(string token) => tokens.TryRemove(token, out _);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
