using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Coordinator.Acme.Tests;

/// <summary>Bad input and bad responses each end in a clear, typed error (responses from <see cref="AriProfilesTestDouble"/>).</summary>
public sealed class BadInputTests
{
    [Theory]
    [InlineData("")]
    [InlineData("exa mple.test")]
    [InlineData("under_score.example.test")]
    [InlineData("a..example.test")]
    [InlineData(".example.test")]
    [InlineData("example.test.")]
    [InlineData("-lead.example.test")]
    [InlineData("trail-.example.test")]
    [InlineData("*.*.example.test")]
    [InlineData("www.*.example.test")]
    [InlineData("*example.test")]
    [InlineData("w*w.example.test")]
    [InlineData("*.test")]
    [InlineData("localhost")]
    [InlineData("exämple.test")]
    [InlineData("127.0.0.1")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.test")]
    public async Task InvalidDnsIdentifiersFailBeforeAnyRequestNamingTheValue(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => AcmeIdentifier.Dns(name));
        Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);

        await using var ca = await AriProfilesTestDouble.StartAsync();
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key, accountUrl: ca.BaseUri + "acct/1");
        var viaOrder = await Assert.ThrowsAsync<ArgumentException>(() =>
            client.NewOrderAsync([AcmeIdentifier.Dns("fine.example.test"), new AcmeIdentifier("dns", name)]));
        Assert.Contains($"'{name}'", viaOrder.Message, StringComparison.Ordinal);
        Assert.Empty(ca.Requests);
    }

    [Fact]
    public void TooLongNamesAndUnsupportedTypesAreRejectedToo()
    {
        var longName = string.Join('.', Enumerable.Repeat(new string('a', 60), 5)) + ".test";
        Assert.Contains("253", Assert.Throws<ArgumentException>(() => AcmeIdentifier.Dns(longName)).Message, StringComparison.Ordinal);
        var ip = Assert.Throws<ArgumentException>(() => CertificateSigningRequest.Create(["ok.example.test", "bad name"], AcmeKeyType.EcdsaP256));
        Assert.Contains("'bad name'", ip.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ip", "999.1.1.1")]
    [InlineData("ip", "::FFFF:1.2.3.4")]
    [InlineData("email", "ops@example.test")]
    public async Task InvalidIdentifiersOfOtherTypesFailBeforeAnyRequest(string type, string value)
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key, accountUrl: ca.BaseUri + "acct/1");
        var e = await Assert.ThrowsAsync<ArgumentException>(() => client.NewOrderAsync([new AcmeIdentifier(type, value)]));
        Assert.Contains(value, e.Message, StringComparison.Ordinal);
        Assert.Empty(ca.Requests);
    }

    [Fact]
    public async Task ADirectoryThatIsNotJsonIsAClearAcmeException()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        ca.Override["/dir"] = c => WriteAsync(c, 200, "text/html", "<html>captive portal</html>");
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key);

        var e = await Assert.ThrowsAsync<AcmeException>(() => client.GetDirectoryAsync());

        Assert.IsNotType<AcmeProblemException>(e);
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
        Assert.Contains(ca.DirectoryUri.AbsoluteUri, e.Message, StringComparison.Ordinal);
        Assert.Contains("captive portal", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADirectoryLackingARequiredUrlNamesIt()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        ca.Override["/dir"] = c => WriteAsync(c, 200, "application/json", """{"newAccount":"http://127.0.0.1/a","newOrder":"http://127.0.0.1/o"}""");
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key);

        var e = await Assert.ThrowsAsync<AcmeException>(() => client.GetDirectoryAsync());
        Assert.Contains("'newNonce'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATruncatedResponseIsAClearAcmeException()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        ca.Override["/dir"] = async c =>
        {
            c.Response.StatusCode = 200;
            c.Response.ContentType = "application/json";
            c.Response.ContentLength = 5000;
            await c.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("""{"newNonce":"http://127.0.0.1/nonce","newAcc"""));
            await c.Response.Body.FlushAsync();
            await Task.Delay(300); // let the headers and partial body reach the client before the connection drops
            c.Abort();
        };
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key);

        var e = await Assert.ThrowsAsync<AcmeException>(() => client.GetDirectoryAsync());
        Assert.True(e.Message.Contains("truncated", StringComparison.Ordinal), e.Message);
        Assert.Contains(ca.DirectoryUri.AbsoluteUri, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnOversizedResponseIsRefusedAtTheConfiguredLimit(bool declaresLength)
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        var big = """{"newNonce":"http://127.0.0.1/n","newAccount":"http://127.0.0.1/a","newOrder":"http://127.0.0.1/o","padding":""" + "\"" + new string('x', 100_000) + "\"}";
        ca.Override["/dir"] = async c =>
        {
            c.Response.StatusCode = 200;
            c.Response.ContentType = "application/json";
            if (declaresLength)
            {
                c.Response.ContentLength = Encoding.UTF8.GetByteCount(big);
            }

            await c.Response.WriteAsync(big);
        };
        using var key = AcmeAccountKey.Generate();
        using var small = new AcmeClient(new HttpClient(), ca.DirectoryUri, key, options: new AcmeClientOptions { MaxResponseBytes = 16 * 1024 });
        using var defaults = new AcmeClient(new HttpClient(), ca.DirectoryUri, key);

        var e = await Assert.ThrowsAsync<AcmeException>(() => small.GetDirectoryAsync());
        Assert.Contains("MaxResponseBytes (16384)", e.Message, StringComparison.Ordinal);
        Assert.NotNull(await defaults.GetDirectoryAsync());
    }

    [Fact]
    public async Task AnUnexpectedStatusIsAClearAcmeExceptionAndAFailedDirectoryIsNotCached()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        ca.Override["/dir"] = c => WriteAsync(c, 418, "text/plain", "I'm a teapot");
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key);

        var e = await Assert.ThrowsAsync<AcmeException>(() => client.GetDirectoryAsync());
        Assert.Contains("HTTP 418", e.Message, StringComparison.Ordinal);
        Assert.Contains("teapot", e.Message, StringComparison.Ordinal);

        ca.Override.TryRemove("/dir", out _);
        Assert.NotNull((await client.GetDirectoryAsync()).NewOrder);
    }

    [Fact]
    public async Task ASuccessStatusOtherThanTheOneRfc8555PrescribesIsRejected()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        ca.Override["/new-order"] = c => WriteAsync(c, 200, "application/json", """{"status":"pending","finalize":"http://127.0.0.1/f"}""");
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key);
        await client.CreateAccountAsync([], true);

        var e = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync([AcmeIdentifier.Dns("a.example.test")]));
        Assert.Contains("HTTP 200, expected 201", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProblemDocumentBecomesATypedExceptionWithSubproblems()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        ca.Override["/new-order"] = c => AriProfilesTestDouble.JsonAsync(c, 400, JsonNode.Parse("""
            {"type":"urn:ietf:params:acme:error:compound","detail":"2 problems","status":400,"subproblems":[
              {"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"policy forbids","identifier":{"type":"dns","value":"bad.example.test"}},
              {"type":"urn:ietf:params:acme:error:caa","detail":"CAA forbids","identifier":{"type":"dns","value":"caa.example.test"}}]}
            """)!, "application/problem+json");
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key);
        await client.CreateAccountAsync([], true);

        var e = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewOrderAsync([AcmeIdentifier.Dns("bad.example.test"), AcmeIdentifier.Dns("caa.example.test")]));

        Assert.Equal(AcmeProblemTypes.Compound, e.Problem.Type);
        Assert.Equal(400, e.StatusCode);
        Assert.Equal(400, e.Problem.Status);
        Assert.False(e.IsRetryable);
        Assert.Collection(e.Problem.Subproblems,
            p => Assert.Equal((AcmeProblemTypes.RejectedIdentifier, "bad.example.test"), (p.Type, p.Identifier!.Value)),
            p => Assert.Equal((AcmeProblemTypes.Caa, "caa.example.test"), (p.Type, p.Identifier!.Value)));
        Assert.Contains("bad.example.test", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARateLimitBeyondMaxRetryAfterIsReturnedAtOnceWithItsRetryAfter()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        ca.Override["/new-order"] = c =>
        {
            c.Response.Headers.RetryAfter = "3600";
            return AriProfilesTestDouble.ProblemAsync(c, 429, AcmeProblemTypes.RateLimited, "too many new orders");
        };
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key);
        await client.CreateAccountAsync([], true);

        var e = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewOrderAsync([AcmeIdentifier.Dns("a.example.test")]));

        Assert.True(e.IsRateLimited);
        Assert.True(e.IsRetryable);
        Assert.Equal(TimeSpan.FromHours(1), e.RetryAfter);
        Assert.Single(ca.RequestsTo("/new-order"));
    }

    [Fact]
    public async Task A503IsRetriedAfterItsRetryAfterOnTheInjectedClock()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        var calls = 0;
        ca.Override["/new-order"] = c =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                c.Response.Headers.RetryAfter = "30";
                return AriProfilesTestDouble.ProblemAsync(c, 503, AcmeProblemTypes.ServerInternal, "maintenance");
            }

            c.Response.Headers.Location = ca.BaseUri + "order/9";
            return WriteAsync(c, 201, "application/json", """{"status":"pending","identifiers":[],"authorizations":[],"finalize":"http://127.0.0.1/f"}""");
        };
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var key = AcmeAccountKey.Generate();
        var logger = new ListLogger<AcmeClient>();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key, timeProvider: time, logger: logger);
        await client.CreateAccountAsync([], true);

        var pending = client.NewOrderAsync([AcmeIdentifier.Dns("a.example.test")]);
        await WaitForWaitAsync(logger, "retrying in");
        time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(200);
        Assert.False(pending.IsCompleted, "retried before Retry-After elapsed");
        Assert.Equal(1, Volatile.Read(ref calls));
        time.Advance(TimeSpan.FromSeconds(1));
        var order = await pending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(new Uri(ca.BaseUri, "order/9"), order.Url);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task CancellationEndsARetryAfterWaitAtOnce()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        ca.Override["/new-order"] = c =>
        {
            c.Response.Headers.RetryAfter = "50";
            return AriProfilesTestDouble.ProblemAsync(c, 503, AcmeProblemTypes.ServerInternal, "maintenance");
        };
        var time = new FakeTimeProvider();
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key, timeProvider: time);
        await client.CreateAccountAsync([], true);
        using var cts = new CancellationTokenSource();

        var pending = client.NewOrderAsync([AcmeIdentifier.Dns("a.example.test")], ct: cts.Token);
        await WaitUntilAsync(() => ca.RequestsTo("/new-order").Count == 1);
        await Task.Delay(100);
        Assert.False(pending.IsCompleted);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Single(ca.RequestsTo("/new-order"));
    }

    [Fact]
    public async Task ServerErrorsWithoutRetryAfterBackOffAndGiveUpAfterMaxRetries()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        ca.Override["/new-order"] = c => AriProfilesTestDouble.ProblemAsync(c, 500, AcmeProblemTypes.ServerInternal, "boom");
        using var key = AcmeAccountKey.Generate();
        var options = new AcmeClientOptions { MaxRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(10), RetryMaxDelay = TimeSpan.FromMilliseconds(50) };
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key, options: options);
        await client.CreateAccountAsync([], true);

        var e = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewOrderAsync([AcmeIdentifier.Dns("a.example.test")]));

        Assert.Equal(500, e.StatusCode);
        Assert.True(e.IsRetryable);
        Assert.Equal(3, ca.RequestsTo("/new-order").Count);
    }

    [Fact]
    public async Task BadNonceIsRetriedWithAFreshNonceBeforeTheGenericRule()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        var calls = 0;
        ca.Override["/new-order"] = c =>
        {
            if (Interlocked.Increment(ref calls) <= 3)
            {
                return AriProfilesTestDouble.ProblemAsync(c, 400, AcmeProblemTypes.BadNonce, "stale nonce");
            }

            c.Response.Headers.Location = ca.BaseUri + "order/3";
            return WriteAsync(c, 201, "application/json", """{"status":"pending","finalize":"http://127.0.0.1/f"}""");
        };
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key, options: new AcmeClientOptions { MaxRetries = 0 });
        await client.CreateAccountAsync([], true);

        var order = await client.NewOrderAsync([AcmeIdentifier.Dns("a.example.test")]);

        Assert.Equal("pending", order.Status);
        var nonces = ca.RequestsTo("/new-order").Select(r => r.Protected!["nonce"]!.GetValue<string>()).ToList();
        Assert.Equal(4, nonces.Count);
        Assert.Equal(nonces.Count, nonces.Distinct().Count());
    }

    [Fact]
    public async Task APostWhoseConnectionDropsIsNotSentTwiceButAGetIsRetried()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        var directoryCalls = 0;
        ca.Override["/new-order"] = c =>
        {
            c.Abort();
            return Task.CompletedTask;
        };
        using var key = AcmeAccountKey.Generate();
        var options = new AcmeClientOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(10) };
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key, options: options);
        ca.Override["/dir"] = c =>
        {
            if (Interlocked.Increment(ref directoryCalls) == 1)
            {
                c.Abort();
                return Task.CompletedTask;
            }

            ca.Override.TryRemove("/dir", out _);
            c.Response.Redirect(ca.DirectoryUri.AbsoluteUri, permanent: false);
            return Task.CompletedTask;
        };

        Assert.NotNull(await client.GetDirectoryAsync());
        await client.CreateAccountAsync([], true);
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync([AcmeIdentifier.Dns("once.example.test")]));

        Assert.Contains("/new-order", e.Message, StringComparison.Ordinal);
        Assert.Single(ca.RequestsTo("/new-order"));
        Assert.True(ca.RequestsTo("/dir").Count >= 2);
    }

    [Fact]
    public async Task PollingHonoursRetryAfterOnTheInjectedClock()
    {
        await using var ca = await AriProfilesTestDouble.StartAsync();
        var polls = 0;
        ca.Override["/authz/1"] = c =>
        {
            var n = Interlocked.Increment(ref polls);
            c.Response.Headers.RetryAfter = "7";
            return WriteAsync(c, 200, "application/json", $$"""
                {"status":"{{(n == 1 ? "pending" : "valid")}}","identifier":{"type":"dns","value":"poll.example.test"},
                 "challenges":[{"type":"http-01","url":"{{ca.BaseUri}}chall/1","status":"{{(n == 1 ? "pending" : "valid")}}","token":"tok"}]}
                """);
        };
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var key = AcmeAccountKey.Generate();
        var logger = new ListLogger<AcmeClient>();
        using var client = new AcmeClient(new HttpClient(), ca.DirectoryUri, key, timeProvider: time, logger: logger);
        await client.CreateAccountAsync([], true);

        var waiting = client.WaitForAuthorizationAsync(new Uri(ca.BaseUri, "authz/1"));
        await WaitForWaitAsync(logger, "polling again in");
        time.Advance(TimeSpan.FromSeconds(6));
        await Task.Delay(200);
        Assert.Equal(1, Volatile.Read(ref polls));
        time.Advance(TimeSpan.FromSeconds(1));
        var authz = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("valid", authz.Status);
        Assert.Equal(2, polls);
    }

    private static async Task WriteAsync(HttpContext c, int status, string contentType, string body)
    {
        c.Response.StatusCode = status;
        c.Response.ContentType = contentType;
        await c.Response.WriteAsync(body);
    }

    // The client logs right before it starts waiting on the injected clock; advancing the clock earlier would
    // move time before the timer exists. The short real delay covers the log-to-timer gap on the client's thread.
    private static async Task WaitForWaitAsync(ListLogger<AcmeClient> logger, string text)
    {
        await WaitUntilAsync(() => logger.Entries.Any(e => e.Message.Contains(text, StringComparison.Ordinal)));
        await Task.Delay(100);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }
}
