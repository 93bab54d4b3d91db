using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace OpenTelemetry;

/// <summary>Registers Coordinator's telemetry with OpenTelemetry.</summary>
public static class CoordinatorInstrumentationExtensions
{
    /// <summary>
    /// The ActivitySource and Meter names of every Coordinator assembly (one per assembly, named after it):
    /// Coordinator.Acme (a span per ACME request), Coordinator.Storage (a span per storage operation),
    /// Coordinator.Grains (order and challenge spans), Coordinator.AspNetCore (handshake and HTTP-01 metrics).
    /// </summary>
    public static IReadOnlyList<string> SourceNames { get; } = ["Coordinator.Acme", "Coordinator.Storage", "Coordinator.Grains", "Coordinator.AspNetCore"];

    /// <summary>Adds Coordinator's spans: ACME requests, orders and challenges, storage reads and writes.</summary>
    public static TracerProviderBuilder AddCoordinatorInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource([.. SourceNames]);
    }

    /// <summary>
    /// Adds Coordinator's metrics: certificate seconds to expiry, renewals, failures, orders, challenge lookups,
    /// handshake cache hits and misses, ACME request and storage durations, bytes and failures.
    /// </summary>
    public static MeterProviderBuilder AddCoordinatorInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter([.. SourceNames]);
    }
}
