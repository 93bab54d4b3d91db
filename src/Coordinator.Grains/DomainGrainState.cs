namespace Coordinator.Grains;

/// <summary>What a domain grain persists (sealed by the encrypted storage provider).</summary>
[GenerateSerializer]
[Alias("coordinator.domain-state")]
internal sealed class DomainGrainState
{
    [Id(0)] public CertificateSnapshot? Certificate { get; set; }

    [Id(1)] public DateTimeOffset? AriWindowStart { get; set; }

    [Id(2)] public DateTimeOffset? AriWindowEnd { get; set; }

    [Id(3)] public InFlightOrder? Order { get; set; }

    [Id(4)] public int FailureCount { get; set; }

    [Id(5)] public DateTimeOffset? NextAttempt { get; set; }

    [Id(6)] public string? LastError { get; set; }

    [Id(7)] public int IssuerIndex { get; set; }

    [Id(8)] public int FailuresWithIssuer { get; set; }

    [Id(9)] public long LeaseEpoch { get; set; }

    [Id(10)] public bool Revoked { get; set; }

    [Id(11)] public DateTimeOffset? DueAt { get; set; }
}

/// <summary>The order in flight: enough to resume it from another activation without opening a new one.</summary>
[GenerateSerializer]
[Alias("coordinator.in-flight-order")]
internal sealed class InFlightOrder
{
    [Id(0)] public required string OrderUrl { get; set; }

    [Id(1)] public required string Issuer { get; set; }

    /// <summary>The new certificate's private key, made before the order so a resumed finalize uses the same key.</summary>
    [Id(2)] public required string CertificateKeyPem { get; set; }

    [Id(3)] public DateTimeOffset Created { get; set; }
}
