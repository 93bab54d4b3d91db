using Coordinator.Testing;

namespace Coordinator.Acme.Tests;

/// <summary>Accounts against the real Pebble: create/find, contacts, EAB, key rollover, deactivation.</summary>
public sealed class AccountTests
{
    // Pebble's documented example EAB key (base64url HMAC key).
    private const string MacKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

    [Fact]
    public async Task CreatingTwiceReturnsTheSameAccountAndFindWorksFromAFreshClient()
    {
        var ca = await TestCa.SharedAsync();
        await ca.RunAsync(async () =>
        {
            using var key = AcmeAccountKey.Generate();
            using var client = ca.CreateClient(key);
            using var unknown = AcmeAccountKey.Generate();
            using var stranger = ca.CreateClient(unknown);

            var created = await client.CreateAccountAsync(["mailto:a@example.test"], termsOfServiceAgreed: true);
            var again = await client.CreateAccountAsync(["mailto:a@example.test"], termsOfServiceAgreed: true);

            Assert.Equal("valid", created.Status);
            Assert.Equal(created.Url, again.Url);
            Assert.Equal(created.Url, client.AccountUrl);
            using var restoredKey = AcmeAccountKey.FromPkcs8Pem(key.ExportPkcs8Pem());
            using var restored = ca.CreateClient(restoredKey);
            Assert.Equal(created.Url, (await restored.FindAccountAsync())?.Url);
            Assert.Null(await stranger.FindAccountAsync());
            Assert.Null(stranger.AccountUrl);
        });
    }

    [Fact]
    public async Task ContactsAreUpdatedAndTheAccountCanBeDeactivated()
    {
        var ca = await TestCa.SharedAsync();
        await ca.RunAsync(async () =>
        {
            using var key = AcmeAccountKey.Generate(AcmeKeyType.EcdsaP384);
            using var client = ca.CreateClient(key);
            await client.CreateAccountAsync(["mailto:old@example.test"], termsOfServiceAgreed: true);

            var updated = await client.UpdateContactsAsync(["mailto:new@example.test"]);
            Assert.Equal(["mailto:new@example.test"], updated.Contacts);

            var deactivated = await client.DeactivateAccountAsync();
            Assert.Equal("deactivated", deactivated.Status);
            var e = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewOrderAsync([AcmeIdentifier.Dns(TestCa.UniqueName("gone"))]));
            Assert.Equal(AcmeProblemTypes.Unauthorized, e.Problem.Type);
        });
    }

    [Fact]
    public async Task ExternalAccountBindingWithTheRightKeyCreatesTheAccountAndAWrongKeyIsUnauthorized()
    {
        await using var ca = await TestCa.StartAsync(new PebbleOptions
        {
            ExternalAccountBindingRequired = true,
            ExternalAccountMacKeys = new Dictionary<string, string> { ["kid-1"] = MacKey },
        });
        await ca.RunAsync(async () =>
        {
            using var key = AcmeAccountKey.Generate();
            var logger = new ListLogger<AcmeClient>();
            using var client = ca.CreateClient(key, logger: logger);
            Assert.True((await client.GetDirectoryAsync()).Meta.ExternalAccountRequired);

            var missing = await Assert.ThrowsAsync<AcmeProblemException>(() => client.CreateAccountAsync([], true));
            Assert.Equal(AcmeProblemTypes.ExternalAccountRequired, missing.Problem.Type);

            var wrongKey = "A" + MacKey[1..];
            var wrong = await Assert.ThrowsAsync<AcmeProblemException>(() =>
                client.CreateAccountAsync([], true, new AcmeExternalAccountBinding("kid-1", wrongKey)));
            Assert.Equal(AcmeProblemTypes.Unauthorized, wrong.Problem.Type);
            Assert.False(wrong.IsRetryable);
            Assert.DoesNotContain(wrongKey, wrong.Message, StringComparison.Ordinal);
            Assert.Null(client.AccountUrl);

            var eab = new AcmeExternalAccountBinding("kid-1", MacKey);
            var account = await client.CreateAccountAsync(["mailto:eab@example.test"], true, eab);

            Assert.Equal("valid", account.Status);
            Assert.Equal(account.Url, client.AccountUrl);
            Assert.DoesNotContain(MacKey, eab.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(logger.Entries, e => e.Message.Contains(MacKey, StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task AfterKeyRolloverTheNewKeyFindsTheAccountAndTheOldKeyDoesNot()
    {
        var ca = await TestCa.SharedAsync();
        await ca.RunAsync(async () =>
        {
            using var oldKey = AcmeAccountKey.Generate(AcmeKeyType.EcdsaP256);
            using var newKey = AcmeAccountKey.Generate(AcmeKeyType.Rsa2048);
            using var client = ca.CreateClient(oldKey);
            var account = await client.CreateAccountAsync([], termsOfServiceAgreed: true);

            await client.RolloverKeyAsync(newKey);

            Assert.Same(newKey, client.AccountKey);
            using (var withNew = ca.CreateClient(newKey))
            {
                Assert.Equal(account.Url, (await withNew.FindAccountAsync())?.Url);
            }

            using (var withOld = ca.CreateClient(oldKey))
            {
                Assert.Null(await withOld.FindAccountAsync());
            }

            // The rolled-over client keeps working with the new key.
            var order = await client.NewOrderAsync([AcmeIdentifier.Dns(TestCa.UniqueName("roll"))]);
            Assert.Equal("pending", order.Status);
        });
    }

    [Fact]
    public async Task OperationsNeedingAnAccountExplainWhenThereIsNone()
    {
        var ca = await TestCa.SharedAsync();
        using var key = AcmeAccountKey.Generate();
        using var client = ca.CreateClient(key);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => client.NewOrderAsync([AcmeIdentifier.Dns(TestCa.UniqueName("none"))]));
        Assert.Contains("CreateAccountAsync", e.Message, StringComparison.Ordinal);
    }
}
