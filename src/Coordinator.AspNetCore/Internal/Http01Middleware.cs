using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Coordinator.AspNetCore.Internal;

/// <summary>
/// Answers <c>/.well-known/acme-challenge/{token}</c> on any node from the domain's grain (wherever it lives);
/// malformed tokens, unmanaged names and unknown tokens get 404. Optionally redirects other plain-HTTP requests
/// to HTTPS. Added in front of the application's pipeline by an <see cref="IStartupFilter"/>.
/// </summary>
internal sealed class Http01StartupFilter(IGrainFactory grains, IOptions<CoordinatorHostingOptions> options) : IStartupFilter
{
    private const string Prefix = "/.well-known/acme-challenge";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            if (context.Request.Path.StartsWithSegments(Prefix, StringComparison.Ordinal, out var rest))
            {
                await AnswerAsync(context, rest);
                return;
            }

            if (!context.Request.IsHttps && options.Value.RedirectHttpToHttps && DomainName.TryNormalize(context.Request.Host.Host, out var host, out _))
            {
                var port = options.Value.HttpsPort == 443 ? string.Empty : $":{options.Value.HttpsPort}";
                context.Response.Redirect($"https://{host}{port}{context.Request.PathBase}{context.Request.Path}{context.Request.QueryString}", permanent: true, preserveMethod: true);
                return;
            }

            await nextMiddleware(context);
        });
        next(app);
    };

    private async Task AnswerAsync(HttpContext context, PathString rest)
    {
        var token = rest.Value is { Length: > 1 } r ? r[1..] : string.Empty;
        string? answer = null;
        if (IsToken(token) && HttpMethods.IsGet(context.Request.Method) && DomainName.TryNormalize(context.Request.Host.Host, out var host, out _)
            && !DomainName.IsWildcard(host)
            && await grains.GetGrain<IDomainRegistryShardGrain>(DomainRegistry.ShardOf(host)).ContainsAsync(host))
        {
            answer = await grains.GetGrain<IDomainGrain>(host).GetHttp01ResponseAsync(token);
        }

        CoordinatorAspNetCoreTelemetry.Http01Requests.Add(1, new KeyValuePair<string, object?>("coordinator.challenge.found", answer is not null));
        if (answer is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        context.Response.ContentType = "application/octet-stream";
        await context.Response.WriteAsync(answer);
    }

    // RFC 8555 §8.3: a token is base64url; anything else (slashes, dots, traversal, overlong) is not ours.
    private static bool IsToken(string token) =>
        token.Length is > 0 and <= 256 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
