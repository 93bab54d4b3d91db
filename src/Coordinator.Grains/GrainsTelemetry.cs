using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Coordinator.Grains;

/// <summary>The ActivitySource and Meter of Coordinator.Grains (named after the assembly).</summary>
internal static class GrainsTelemetry
{
    public const string Name = "Coordinator.Grains";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Renewals = Meter.CreateCounter<long>("coordinator.certificate.renewals", "{certificate}", "Certificates obtained (issued or renewed).");

    public static readonly Counter<long> Failures = Meter.CreateCounter<long>("coordinator.certificate.failures", "{attempt}", "Failed ACME order attempts.");

    public static readonly Counter<long> Orders = Meter.CreateCounter<long>("coordinator.acme.orders", "{order}", "ACME orders opened (newOrder requests that succeeded).");

    public static readonly Counter<long> ChallengeLookups = Meter.CreateCounter<long>("coordinator.challenge.lookups", "{lookup}", "Challenge responses looked up (by type and whether found).");

    public static readonly Histogram<double> OrderDuration = Meter.CreateHistogram<double>("coordinator.acme.order.duration", "s", "Time from the start of an order attempt to its end.");

    private static readonly Dictionary<string, DateTimeOffset> Expiry = [];

    static GrainsTelemetry()
    {
        Meter.CreateObservableGauge("coordinator.certificate.seconds_to_expiry", ObserveExpiry, "s", "Seconds until each certificate held by an active domain grain expires.");
    }

    public static void SetExpiry(string domain, DateTimeOffset? notAfter)
    {
        lock (Expiry)
        {
            if (notAfter is { } n)
            {
                Expiry[domain] = n;
            }
            else
            {
                Expiry.Remove(domain);
            }
        }
    }

    private static IEnumerable<Measurement<double>> ObserveExpiry()
    {
        var now = DateTimeOffset.UtcNow;
        lock (Expiry)
        {
            return Expiry.Select(kv => new Measurement<double>((kv.Value - now).TotalSeconds, new KeyValuePair<string, object?>("coordinator.domain", kv.Key))).ToList();
        }
    }
}
