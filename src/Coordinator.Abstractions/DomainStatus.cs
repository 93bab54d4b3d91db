namespace Coordinator;

/// <summary>Where a domain's certificate stands.</summary>
public enum DomainState
{
    /// <summary>No certificate yet and no order running.</summary>
    None,

    /// <summary>An ACME order is in flight.</summary>
    Ordering,

    /// <summary>A valid certificate is held and not yet due for renewal.</summary>
    Valid,

    /// <summary>The last attempt failed; the next one waits for <see cref="DomainStatus.NextAttempt"/>.</summary>
    BackingOff,

    /// <summary>The certificate was revoked and no replacement exists yet.</summary>
    Revoked,
}

/// <summary>A domain's status as an operator sees it. Carries no key material.</summary>
[GenerateSerializer]
[Immutable]
[Alias("coordinator.domain-status")]
public sealed record DomainStatus
{
    /// <summary>The normalized host name.</summary>
    [Id(0)] public required string Domain { get; init; }

    /// <summary>The state.</summary>
    [Id(1)] public DomainState State { get; init; }

    /// <summary>The current certificate's serial (hex), if any.</summary>
    [Id(2)] public string? SerialNumber { get; init; }

    /// <summary>The current certificate's start of validity.</summary>
    [Id(3)] public DateTimeOffset? NotBefore { get; init; }

    /// <summary>The current certificate's end of validity.</summary>
    [Id(4)] public DateTimeOffset? NotAfter { get; init; }

    /// <summary>The issuer of the current certificate, or the one the order in flight uses.</summary>
    [Id(5)] public string? Issuer { get; init; }

    /// <summary>When renewal is due (or the next retry after a failure).</summary>
    [Id(6)] public DateTimeOffset? NextAttempt { get; init; }

    /// <summary>The last error, for operators (a CA problem's type and detail); null after a success.</summary>
    [Id(7)] public string? LastError { get; init; }

    /// <summary>Consecutive failures since the last success.</summary>
    [Id(8)] public int FailureCount { get; init; }

    /// <summary>The URL of the ACME order in flight, if any.</summary>
    [Id(9)] public string? OrderUrl { get; init; }

    /// <summary>The silo holding this domain's lease (where its grain is active).</summary>
    [Id(10)] public string? LeaseHolder { get; init; }

    /// <summary>Increases each time a new activation takes the lease.</summary>
    [Id(11)] public long LeaseEpoch { get; init; }
}
