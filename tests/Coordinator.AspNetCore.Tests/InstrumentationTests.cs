using System.Diagnostics;
using Coordinator.Testing;
using Coordinator.Testing.Cluster;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Coordinator.AspNetCore.Tests;

public sealed class InstrumentationTests
{
    [Fact]
    public async Task AnIssuanceProducesCoordinatorSpansAndMetricsWithNoSecretInAnyAttribute()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracer = Sdk.CreateTracerProviderBuilder().AddCoordinatorInstrumentation().AddInMemoryExporter(spans).Build();
        using var meter = Sdk.CreateMeterProviderBuilder().AddCoordinatorInstrumentation().AddInMemoryExporter(metrics).Build();

        await using var c = await CoordinatorCluster.StartAsync(silos: 1);
        const string domain = "otel.instrumented.test";
        await InfraAssert.WithOutputAsync(async () =>
        {
            var status = await c.Grains.GetGrain<IDomainGrain>(domain).EnsureAsync(waitForCertificate: true);
            Assert.Equal(DomainState.Valid, status.State);
            var cert = await c.Grains.GetGrain<IDomainGrain>(domain).GetCertificateAsync();
            tracer!.ForceFlush();
            meter!.ForceFlush();

            lock (spans)
            {
                var sources = spans.Select(s => s.Source.Name).ToHashSet();
                Assert.Contains("Coordinator.Acme", sources);
                Assert.Contains("Coordinator.Storage", sources);
                Assert.Contains("Coordinator.Grains", sources);
                var order = Assert.Single(spans, s => s.OperationName == "coordinator.order" && Equals(s.GetTagItem("coordinator.domain"), domain));
                Assert.Contains(spans, s => s.Source.Name == "Coordinator.Acme" && s.TraceId == order.TraceId);
                Assert.Contains(spans, s => s.Source.Name == "Coordinator.Storage" && s.TraceId == order.TraceId);

                var names = metrics.Select(m => m.Name).ToHashSet();
                Assert.Contains("coordinator.certificate.renewals", names);
                Assert.Contains("coordinator.certificate.seconds_to_expiry", names);
                Assert.Contains("coordinator.acme.orders", names);

                // Secrets: the certificate key, the storage master key, any PEM key block.
                var secrets = new[] { "PRIVATE KEY", cert!.PrivateKeyPem.Split('\n')[2], c.StorageKeyBase64 };
                var values = spans.SelectMany(s => s.TagObjects.Select(t => t.Value?.ToString() ?? string.Empty).Append(s.DisplayName).Append(s.StatusDescription ?? string.Empty))
                    .Concat(metrics.SelectMany(TagValues)).ToList();
                Assert.NotEmpty(values);
                foreach (var secret in secrets)
                {
                    Assert.DoesNotContain(values, v => v.Contains(secret, StringComparison.Ordinal));
                }
            }
        }, c.Pebble.Process);
    }

    private static IEnumerable<string> TagValues(Metric metric)
    {
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            foreach (var tag in point.Tags)
            {
                yield return tag.Value?.ToString() ?? string.Empty;
            }
        }
    }
}
