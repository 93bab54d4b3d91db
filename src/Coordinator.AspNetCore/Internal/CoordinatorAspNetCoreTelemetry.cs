using System.Diagnostics.Metrics;

namespace Coordinator.AspNetCore.Internal;

/// <summary>The Meter of Coordinator.AspNetCore (named after the assembly).</summary>
internal static class CoordinatorAspNetCoreTelemetry
{
    public const string Name = "Coordinator.AspNetCore";

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> HandshakeLookups = Meter.CreateCounter<long>("coordinator.handshake.lookups", "{lookup}", "SNI certificate lookups at the TLS handshake (hit, miss, fallback, challenge).");

    public static readonly Counter<long> Http01Requests = Meter.CreateCounter<long>("coordinator.http01.requests", "{request}", "HTTP-01 challenge requests answered (found or not).");
}
