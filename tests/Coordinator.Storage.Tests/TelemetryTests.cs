using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Coordinator.Testing;
using Orleans.Runtime;
using Orleans.Storage;

namespace Coordinator.Storage.Tests;

/// <summary>What an OpenTelemetry exporter subscribed to "Coordinator.Storage" would receive.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task OperationsEmitSpansAndMetricsWithoutIdsOrSecrets()
    {
        var provider = $"telemetry-{Guid.NewGuid():N}";
        var key = TestKeys.New();
        var measurements = new ConcurrentQueue<(string Instrument, string? Unit, double Value, Dictionary<string, object?> Tags)>();
        var spans = new ConcurrentQueue<Activity>();
        using var meterListener = new MeterListener();
        meterListener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Coordinator.Storage")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var dict = new Dictionary<string, object?>();
            foreach (var t in tags)
            {
                dict[t.Key] = t.Value;
            }

            if (Equals(dict.GetValueOrDefault("coordinator.storage.provider"), provider))
            {
                measurements.Enqueue((instrument.Name, instrument.Unit, value, dict));
            }
        }

        meterListener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        meterListener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        meterListener.Start();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Coordinator.Storage",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (Equals(a.GetTagItem("coordinator.storage.provider"), provider))
                {
                    spans.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(activityListener);

        await using var h = await StorageHarness.StartAsync(Backend.S3, TestKeys.Ring("k1", ("k1", key)), name: provider);
        await InfraAssert.WithOutputAsync(async () =>
        {
            var grain = GrainId.Create("domain", "telemetry.example.test");
            var state = new GrainState<TestState> { State = TestState.Random(1000) };
            await h.Grains.WriteStateAsync("state", grain, state);
            await h.Grains.ReadStateAsync("state", grain, new GrainState<TestState> { State = new TestState() });
            var stale = new GrainState<TestState> { State = new TestState(), ETag = null };
            await Assert.ThrowsAsync<InconsistentStateException>(() => h.Grains.WriteStateAsync("state", grain, stale));
            meterListener.RecordObservableInstruments();

            var durations = measurements.Where(m => m.Instrument == "coordinator.storage.operation.duration").ToList();
            Assert.All(durations, m => Assert.Equal("s", m.Unit));
            Assert.Contains(durations, m => Equals(m.Tags["coordinator.storage.operation"], "write") && !m.Tags.ContainsKey("error.type"));
            Assert.Contains(durations, m => Equals(m.Tags["coordinator.storage.operation"], "read"));
            Assert.Contains(measurements, m => m.Instrument == "coordinator.storage.bytes" && m.Unit == "By" && m.Value > 1000);
            var failure = Assert.Single(measurements, m => m.Instrument == "coordinator.storage.failures");
            Assert.Equal("conflict", failure.Tags["error.type"]);

            Assert.Contains(spans, s => s.OperationName == "storage write");
            Assert.Contains(spans, s => s.OperationName == "storage read" && s.Status != ActivityStatusCode.Error);
            Assert.Contains(spans, s => s.OperationName == "storage write" && s.Status == ActivityStatusCode.Error);

            var everything = string.Join("\n", measurements.SelectMany(m => m.Tags.Select(t => $"{t.Key}={t.Value}"))
                .Concat(spans.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}")))
                .Concat(spans.Select(s => s.DisplayName + " " + s.StatusDescription)));
            Assert.DoesNotContain("telemetry.example.test", everything, StringComparison.Ordinal);
            Assert.DoesNotContain(key, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(state.State.Text, everything, StringComparison.Ordinal);
        }, h.Processes);
    }
}
