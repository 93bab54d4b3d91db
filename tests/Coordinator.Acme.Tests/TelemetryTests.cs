using System.Collections.Concurrent;
using System.Diagnostics;

namespace Coordinator.Acme.Tests;

/// <summary>Every ACME request is one span of the "Coordinator.Acme" ActivitySource.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task RequestsAreTracedWithStatusAndProblemType()
    {
        var ca = await TestCa.SharedAsync();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == AcmeTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var key = AcmeAccountKey.Generate();
        using var client = ca.CreateClient(key);
        var directory = await client.GetDirectoryAsync();

        Assert.Null(await client.FindAccountAsync());
        var account = await client.CreateAccountAsync([], true);
        var order = await client.NewOrderAsync([AcmeIdentifier.Dns(TestCa.UniqueName("otel"))]);
        await client.GetOrderAsync(order.Url);

        var orderSpan = Assert.Single(spans, a => (string?)a.GetTagItem("url.full") == order.Url.AbsoluteUri);
        Assert.Equal("acme.request", orderSpan.OperationName);
        Assert.Equal("POST", orderSpan.GetTagItem("http.request.method"));
        Assert.Equal(200, orderSpan.GetTagItem("http.response.status_code"));
        var accountSpans = spans.Where(a => (string?)a.GetTagItem("url.full") == directory.NewAccount.AbsoluteUri).ToList();
        Assert.Contains(accountSpans, a => a.Status == ActivityStatusCode.Error && (string?)a.GetTagItem("acme.problem.type") == AcmeProblemTypes.AccountDoesNotExist);
        Assert.Contains(accountSpans, a => a.Status != ActivityStatusCode.Error && (int?)a.GetTagItem("http.response.status_code") == 201);
        Assert.DoesNotContain(spans, a => a.TagObjects.Any(t => t.Value?.ToString()?.Contains(key.Thumbprint, StringComparison.Ordinal) == true));
        Assert.NotNull(account.Url);
    }
}
