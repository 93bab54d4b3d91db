using System.Diagnostics;
using Coordinator.Testing;

namespace Coordinator.Acme.Tests;

/// <summary>badNonce handling and failing challenges against the real Pebble.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task WithHalfTheNoncesRejectedTwentyConsecutiveOrdersAllSucceed()
    {
        await using var ca = await TestCa.StartAsync(new PebbleOptions { NonceRejectPercent = 50 });
        await ca.RunAsync(async () =>
        {
            using var key = AcmeAccountKey.Generate();
            var logger = new ListLogger<AcmeClient>();
            using var client = ca.CreateClient(key, logger: logger);
            await client.CreateAccountAsync([], true);

            for (var i = 0; i < 20; i++)
            {
                var name = TestCa.UniqueName("nonce" + i);
                var result = await Issuance.IssueAsync(client, ca, [AcmeIdentifier.Dns(name)], AcmeChallenge.Http01);
                using var leaf = await Issuance.VerifyAsync(ca, result.Chain);
                Assert.Equal([name], Issuance.SubjectAltNames(leaf));
            }

            // The CA really did reject nonces, and the client really did retry them.
            Assert.Contains(logger.Entries, e => e.Message.Contains("badNonce", StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task AFailingChallengeEndsPromptlyWithTheCasProblem()
    {
        // A Pebble whose HTTP-01 port nobody listens on: validation gets "connection refused".
        await using var dead = await PebbleServer.StartAsync(new PebbleOptions());
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(TestCa.HttpClient, dead.DirectoryUri, key);
        await InfraAssert.WithOutputAsync(async () =>
        {
            await client.CreateAccountAsync([], true);
            var name = TestCa.UniqueName("fail");
            var order = await client.NewOrderAsync([AcmeIdentifier.Dns(name)]);
            var authz = await client.GetAuthorizationAsync(order.Authorizations.Single());
            var challenge = authz.Challenge(AcmeChallenge.Http01)!;
            var watch = Stopwatch.StartNew();

            await client.AnswerChallengeAsync(challenge.Url);
            var e = await Assert.ThrowsAsync<AcmeProblemException>(() => client.WaitForAuthorizationAsync(authz.Url));

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
            Assert.Equal(AcmeProblemTypes.Connection, e.Problem.Type);
            Assert.Equal(name, e.Problem.Identifier?.Value);
            Assert.Contains(AcmeProblemTypes.Connection, e.Message, StringComparison.Ordinal);
            var orderAfter = await client.GetOrderAsync(order.Url);
            Assert.Equal("invalid", orderAfter.Status);
            var orderError = await Assert.ThrowsAsync<AcmeProblemException>(() => client.WaitForOrderAsync(order.Url));
            Assert.Equal(0, orderError.StatusCode);
        }, dead.Process);
    }
}
