using Coordinator;
using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Coordinator.Testing.Cluster;

/// <summary>
/// A real Kestrel listener on Pebble's HTTP-01 validation port that answers from the domain grains through
/// a cluster client, the way a node does. Tests can break it for a name (answer 404) or hold the answer
/// for a name after it was looked up (to stop a silo while the CA waits).
/// </summary>
public sealed class Http01Responder : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> held = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> heldReached = new();

    private Http01Responder(WebApplication app) => this.app = app;

    public ConcurrentDictionary<string, bool> Broken { get; } = new();

    public static async Task<Http01Responder> StartAsync(int port, Func<IGrainFactory> grains)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var responder = new Http01Responder(app);
        app.MapGet("/.well-known/acme-challenge/{token}", async (HttpContext ctx, string token) =>
        {
            var host = ctx.Request.Host.Host;
            if (responder.Broken.ContainsKey(host))
            {
                return Results.NotFound();
            }

            var answer = await grains().GetGrain<IDomainGrain>(host).GetHttp01ResponseAsync(token);
            if (responder.held.TryGetValue(host, out var gate))
            {
                responder.heldReached.GetOrAdd(host, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                await gate.Task;
            }

            return answer is null ? Results.NotFound() : Results.Text(answer, "application/octet-stream");
        });
        await app.StartAsync();
        return responder;
    }

    /// <summary>Holds the answer for <paramref name="host"/> (after the lookup) until <see cref="Release"/>.</summary>
    public Task HoldAsync(string host)
    {
        held[host] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return heldReached.GetOrAdd(host, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }

    public void Release(string host)
    {
        if (held.TryRemove(host, out var gate))
        {
            gate.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var h in held.Keys)
        {
            Release(h);
        }

        await app.StopAsync();
        await app.DisposeAsync();
    }
}
