using Coordinator.Acme;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Coordinator.Grains;

/// <summary>The account of one issuer, shared by every domain. Key: the issuer name.</summary>
[Alias("coordinator.IAcmeAccountGrain")]
internal interface IAcmeAccountGrain : IGrainWithStringKey
{
    /// <summary>The account key and URL, creating the account at the CA the first time (once cluster-wide).</summary>
    [Alias("get-or-create")]
    Task<AcmeAccountInfo> GetOrCreateAsync();
}

/// <summary>An ACME account as the domain grains use it. The key is secret.</summary>
[GenerateSerializer]
[Immutable]
[Alias("coordinator.acme-account-info")]
internal sealed record AcmeAccountInfo([property: Id(0)] string KeyPem, [property: Id(1)] string AccountUrl)
{
    public override string ToString() => $"account {AccountUrl}";
}

[GenerateSerializer]
[Alias("coordinator.acme-account-state")]
internal sealed class AcmeAccountState
{
    [Id(0)] public string? KeyPem { get; set; }

    [Id(1)] public string? AccountUrl { get; set; }

    [Id(2)] public string? DirectoryUrl { get; set; }
}

internal sealed partial class AcmeAccountGrain(
    [PersistentState("account", CoordinatorStorage.Name)] IPersistentState<AcmeAccountState> state,
    IOptions<CoordinatorOptions> options,
    AcmeClientProvider clients,
    ILogger<AcmeAccountGrain> logger) : Grain, IAcmeAccountGrain
{
    public async Task<AcmeAccountInfo> GetOrCreateAsync()
    {
        var name = this.GetPrimaryKeyString();
        var issuer = options.Value.Issuers.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown issuer '{name}': it is not in Coordinator:Issuers.");
        var directory = issuer.DirectoryUrl!.ToString();
        var s = state.State;
        if (s.KeyPem is not null && s.AccountUrl is not null && s.DirectoryUrl == directory)
        {
            return new AcmeAccountInfo(s.KeyPem, s.AccountUrl);
        }

        // A key made earlier (for example by an attempt that failed on EAB) is reused; nothing is written until
        // the CA accepted the account, so a rejected issuer leaves no state behind.
        using var key = s.KeyPem is not null && s.DirectoryUrl == directory
            ? AcmeAccountKey.FromPkcs8Pem(s.KeyPem)
            : AcmeAccountKey.Generate(issuer.AccountKeyType);
        using var client = clients.CreateClient(issuer, key, accountUrl: null);
        var eab = issuer.EabKeyId is not null ? new AcmeExternalAccountBinding(issuer.EabKeyId, issuer.EabHmacKey!) : null;
        var account = await client.CreateAccountAsync(issuer.Contacts, issuer.AgreeToTermsOfService, eab);
        s.KeyPem = key.ExportPkcs8Pem();
        s.AccountUrl = account.Url.ToString();
        s.DirectoryUrl = directory;
        await state.WriteStateAsync();
        LogAccountCreated(logger, name, s.AccountUrl);
        return new AcmeAccountInfo(s.KeyPem, s.AccountUrl);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ACME account for issuer {Issuer} is {AccountUrl}")]
    private static partial void LogAccountCreated(ILogger logger, string issuer, string accountUrl);
}
