using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Orleans.Configuration;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

// The Coordinator node: an ASP.NET Core app with a cohosted Orleans silo. Everything comes from configuration
// (appsettings.json, then environment variables such as Coordinator__Cluster__SiloPort=11112).
var builder = WebApplication.CreateBuilder(args);
var node = builder.Configuration.GetSection("Coordinator:Node");
var nodeName = node["Name"] ?? Environment.MachineName;
builder.AddCoordinator(silo =>
{
    var redis = builder.Configuration["Coordinator:Cluster:Redis"];
    if (builder.Configuration["Coordinator:Cluster:Mode"] == "External")
    {
        if (string.IsNullOrWhiteSpace(redis))
        {
            throw new InvalidOperationException("Coordinator:Cluster:Mode is External but Coordinator:Cluster:Redis (a Redis connection string) is not set.");
        }

        silo.UseRedisClustering(redis);

        // The address other silos and clients use to reach this one. Default: the first non-loopback address
        // (right for one container or VM per node); set it when a host has several (or 127.0.0.1 on one machine).
        var advertised = builder.Configuration["Coordinator:Cluster:AdvertisedAddress"];
        if (!string.IsNullOrWhiteSpace(advertised))
        {
            if (!IPAddress.TryParse(advertised, out var address))
            {
                throw new InvalidOperationException($"Coordinator:Cluster:AdvertisedAddress must be an IP address (got '{advertised}').");
            }

            silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = address);
        }
    }
});

// Telemetry: exported over OTLP when an endpoint is configured (the standard OTEL_EXPORTER_OTLP_ENDPOINT).
if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
{
    builder.Services.AddOpenTelemetry()
        .ConfigureResource(r => r.AddService("coordinator-node", serviceInstanceId: nodeName))
        .WithTracing(t => t.AddCoordinatorInstrumentation().AddOtlpExporter())
        .WithMetrics(m => m.AddCoordinatorInstrumentation().AddOtlpExporter());
}

var listen = IPAddress.Parse(node["ListenAddress"] ?? "0.0.0.0");
var httpPort = node.GetValue("HttpPort", 80);
var httpsPort = node.GetValue("HttpsPort", 443);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(listen, httpPort);
    kestrel.Listen(listen, httpsPort, https =>
    {
        https.Protocols = HttpProtocols.Http1AndHttp2;
        https.UseCoordinatorHttps();
    });
});

var app = builder.Build();
app.MapHealthChecks("/healthz");
app.MapGet("/", (HttpContext context) =>
    $"Hello from {nodeName} over {(context.Request.IsHttps ? "HTTPS" : "HTTP")} for {context.Request.Host.Host}\n");
app.Run();
