using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Coordinator.Testing;
using Coordinator.Testing.Cluster;

namespace Coordinator.Grains.Tests;

public sealed class TelemetryTests
{
    [Fact]
    public async Task IssuanceEmitsOrderAndChallengeSpansAndRenewalMetricsWithoutSecrets()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Coordinator.Grains",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var measurements = new ConcurrentBag<(string Name, double Value, KeyValuePair<string, object?>[] Tags)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == "Coordinator.Grains")
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Add((i.Name, v, tags.ToArray())));
        meters.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Add((i.Name, v, tags.ToArray())));
        meters.Start();

        await using var c = await CoordinatorCluster.StartAsync(silos: 1);
        const string domain = "telemetry.spans.test";
        var status = await c.Grains.GetGrain<IDomainGrain>(domain).EnsureAsync(true);
        Assert.Equal(DomainState.Valid, status.State);
        var cert = await c.Grains.GetGrain<IDomainGrain>(domain).GetCertificateAsync();
        meters.RecordObservableInstruments();

        var order = Assert.Single(spans, s => s.OperationName == "coordinator.order" && Equals(s.GetTagItem("coordinator.domain"), domain));
        Assert.Equal("pebble", order.GetTagItem("coordinator.issuer"));
        Assert.Contains(spans, s => s.OperationName == "coordinator.challenges" && s.ParentSpanId == order.SpanId && Equals(s.GetTagItem("coordinator.challenge.type"), "http-01"));
        Assert.Contains(measurements, m => m.Name == "coordinator.certificate.renewals" && m.Value == 1);
        Assert.Contains(measurements, m => m.Name == "coordinator.acme.orders");
        Assert.Contains(measurements, m => m.Name == "coordinator.certificate.seconds_to_expiry" && m.Tags.Any(t => Equals(t.Value, domain)) && m.Value > 0);

        // No secret in any attribute: not the certificate key, not the account key, not a key authorization.
        var secretMarkers = new[] { "PRIVATE KEY", cert!.PrivateKeyPem[40..80] };
        var attributes = spans.SelectMany(s => s.TagObjects.Select(t => t.Value?.ToString() ?? string.Empty))
            .Concat(measurements.SelectMany(m => m.Tags.Select(t => t.Value?.ToString() ?? string.Empty)));
        Assert.All(attributes, a => Assert.DoesNotContain(secretMarkers, m => a.Contains(m, StringComparison.Ordinal)));
    }
}
