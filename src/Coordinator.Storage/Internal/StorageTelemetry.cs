using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Coordinator.Storage.Internal;

/// <summary>
/// The assembly's <see cref="ActivitySource"/> and <see cref="Meter"/>, both named <c>Coordinator.Storage</c>.
/// Tags carry the provider name, the operation and the state name — never grain ids, object contents or keys.
/// </summary>
internal static class StorageTelemetry
{
    public const string Name = "Coordinator.Storage";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "coordinator.storage.operation.duration", "s", "Duration of grain storage operations, sealing and the store round trip included.");

    public static readonly Counter<long> Bytes = Meter.CreateCounter<long>(
        "coordinator.storage.bytes", "By", "Sealed bytes written to or read from the store.");

    public static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "coordinator.storage.failures", "{failure}", "Grain storage operations that failed (ETag conflicts are counted with error.type=conflict).");

    /// <summary>Starts timing one operation; dispose the result.</summary>
    public static Operation Start(string provider, string operation, string? stateName)
    {
        var activity = ActivitySource.StartActivity($"storage {operation}", ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("coordinator.storage.provider", provider);
            activity.SetTag("coordinator.storage.operation", operation);
            if (stateName is not null)
            {
                activity.SetTag("coordinator.storage.state", stateName);
            }
        }

        return new Operation(provider, operation, activity, Stopwatch.GetTimestamp());
    }

    internal sealed class Operation(string provider, string operation, Activity? activity, long started) : IDisposable
    {
        private string? errorType;
        private long bytes;
        private string direction = "read";

        public void Transferred(long count, bool written)
        {
            bytes += count;
            direction = written ? "write" : "read";
        }

        public void Failed(string type)
        {
            errorType = type;
            activity?.SetStatus(ActivityStatusCode.Error, type);
        }

        public void Dispose()
        {
            var tags = new TagList
            {
                { "coordinator.storage.provider", provider },
                { "coordinator.storage.operation", operation },
            };
            if (errorType is not null)
            {
                tags.Add("error.type", errorType);
                Failures.Add(1, tags);
            }

            if (Duration.Enabled)
            {
                Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
            }

            if (bytes > 0 && Bytes.Enabled)
            {
                Bytes.Add(bytes, new TagList
                {
                    { "coordinator.storage.provider", provider },
                    { "coordinator.storage.direction", direction },
                });
            }

            activity?.SetTag("coordinator.storage.bytes", bytes);
            activity?.Dispose();
        }
    }
}
