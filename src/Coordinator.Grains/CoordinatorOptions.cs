using Coordinator.Acme;

namespace Coordinator.Grains;

/// <summary>Settings of the domain grains: issuers, renewal policy, maintenance. Bound from <c>Coordinator</c>.</summary>
public sealed class CoordinatorOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Coordinator";

    /// <summary>ACME issuers in order of preference; a domain falls back to the next when one keeps failing. Required: at least one.</summary>
    public IList<IssuerOptions> Issuers { get; } = [];

    /// <summary>Names managed from configuration (added to the registry at start-up).</summary>
    public IList<string> Domains { get; } = [];

    /// <summary>Renewal, backoff and maintenance timing.</summary>
    public RenewalOptions Renewal { get; set; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Issuers.Count == 0)
        {
            throw new ArgumentException("Coordinator:Issuers must name at least one ACME issuer (Name and DirectoryUrl).", nameof(Issuers));
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Issuers.Count; i++)
        {
            Issuers[i].Validate($"Coordinator:Issuers:{i}");
            if (!names.Add(Issuers[i].Name))
            {
                throw new ArgumentException($"Coordinator:Issuers:{i}:Name '{Issuers[i].Name}' is used twice.", nameof(Issuers));
            }
        }

        for (var i = 0; i < Domains.Count; i++)
        {
            if (!DomainName.TryNormalize(Domains[i], out _, out var error))
            {
                throw new ArgumentException($"Coordinator:Domains:{i}: {error}", nameof(Domains));
            }
        }

        Renewal.Validate();
    }
}

/// <summary>One ACME certificate authority and how to use it.</summary>
public sealed class IssuerOptions
{
    /// <summary>A short unique name ("letsencrypt", "zerossl", "pebble"). Required.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The ACME directory URL. Required.</summary>
    public Uri? DirectoryUrl { get; set; }

    /// <summary>Contact URIs for the account (<c>mailto:ops@example.com</c>). Default: none.</summary>
    public IList<string> Contacts { get; } = [];

    /// <summary>Whether the operator agrees to the CA's terms of service. Default: true.</summary>
    public bool AgreeToTermsOfService { get; set; } = true;

    /// <summary>External account binding key id, for CAs that require EAB. Default: none.</summary>
    public string? EabKeyId { get; set; }

    /// <summary>External account binding HMAC key (base64url). Secret. Default: none.</summary>
    public string? EabHmacKey { get; set; }

    /// <summary>The ACME profile to request (<c>meta.profiles</c>), if the CA offers profiles. Default: none.</summary>
    public string? Profile { get; set; }

    /// <summary>The certificate key type. Default: ECDSA P-256.</summary>
    public AcmeKeyType KeyType { get; set; } = AcmeKeyType.EcdsaP256;

    /// <summary>The account key type. Default: ECDSA P-256.</summary>
    public AcmeKeyType AccountKeyType { get; set; } = AcmeKeyType.EcdsaP256;

    /// <summary>Challenge types to use, in order of preference. Default: http-01, tls-alpn-01 (dns-01 is used for wildcards and when listed, with an <see cref="IDns01Solver"/>).</summary>
    public IList<string> Challenges { get; } = [];

    /// <summary>
    /// Names this issuer serves: exact names or <c>*.example.com</c> for every subdomain. Default: empty (every name).
    /// Lets internal names use a private CA, or one set of names use another challenge type.
    /// </summary>
    public IList<string> ForDomains { get; } = [];

    /// <summary>Whether this issuer serves <paramref name="normalizedDomain"/> (see <see cref="ForDomains"/>).</summary>
    public bool Serves(string normalizedDomain) =>
        ForDomains.Count == 0 || ForDomains.Any(p =>
        {
            var pattern = p.Trim().ToLowerInvariant();
            return pattern.StartsWith("*.", StringComparison.Ordinal)
                ? normalizedDomain.EndsWith(pattern[1..], StringComparison.Ordinal)
                : normalizedDomain == pattern;
        });

    /// <summary>A PEM file of extra CA certificates to trust for the directory's TLS (private CAs, Pebble). Default: the system store only.</summary>
    public string? TrustedCaCertificatePath { get; set; }

    /// <summary>The challenge types in effect (the configured list, or the default).</summary>
    public IReadOnlyList<string> EffectiveChallenges => Challenges.Count > 0 ? [.. Challenges] : ["http-01", "tls-alpn-01"];

    internal void Validate(string path)
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException($"{path}:Name is required.");
        }

        if (DirectoryUrl is null || !DirectoryUrl.IsAbsoluteUri || (DirectoryUrl.Scheme != Uri.UriSchemeHttps && DirectoryUrl.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"{path}:DirectoryUrl must be an absolute https URL (got '{DirectoryUrl}').");
        }

        if ((EabKeyId is null) != (EabHmacKey is null))
        {
            throw new ArgumentException($"{path}: EabKeyId and EabHmacKey must be set together.");
        }

        foreach (var c in EffectiveChallenges)
        {
            if (c is not ("http-01" or "tls-alpn-01" or "dns-01"))
            {
                throw new ArgumentException($"{path}:Challenges has unknown type '{c}' (use http-01, tls-alpn-01, dns-01).");
            }
        }

        if (TrustedCaCertificatePath is not null && !File.Exists(TrustedCaCertificatePath))
        {
            throw new ArgumentException($"{path}:TrustedCaCertificatePath '{TrustedCaCertificatePath}' does not exist.");
        }
    }
}

/// <summary>When certificates are renewed and how failures back off.</summary>
public sealed class RenewalOptions
{
    /// <summary>Renew at this fraction of the lifetime when the CA gives no ARI window. Default: 2/3.</summary>
    public double RenewAtFractionOfLifetime { get; set; } = 2.0 / 3.0;

    /// <summary>Random spread subtracted from the renewal time, as a fraction of the lifetime. Default: 1/30.</summary>
    public double JitterFractionOfLifetime { get; set; } = 1.0 / 30.0;

    /// <summary>Renew at once, ignoring ARI and backoff, when less than this fraction of the lifetime is left. Default: 1/20.</summary>
    public double EmergencyFractionOfLifetime { get; set; } = 1.0 / 20.0;

    /// <summary>First retry delay after a failure; doubles per consecutive failure. Default: 1 minute.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest retry delay. Default: 6 hours.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Consecutive failures with one issuer before the next issuer is tried. Default: 2.</summary>
    public int FailuresBeforeNextIssuer { get; set; } = 2;

    /// <summary>How often each registry shard looks for due domains. Default: 30 seconds.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this many renewals started by one shard at once. Default: 4.</summary>
    public int MaxConcurrentRenewalsPerShard { get; set; } = 4;

    internal void Validate()
    {
        static void Fraction(double v, string name)
        {
            if (!(v > 0 && v < 1))
            {
                throw new ArgumentException($"Coordinator:Renewal:{name} must be between 0 and 1 (got {v}).");
            }
        }

        Fraction(RenewAtFractionOfLifetime, nameof(RenewAtFractionOfLifetime));
        Fraction(EmergencyFractionOfLifetime, nameof(EmergencyFractionOfLifetime));
        if (JitterFractionOfLifetime is < 0 or >= 1)
        {
            throw new ArgumentException($"Coordinator:Renewal:JitterFractionOfLifetime must be in [0, 1) (got {JitterFractionOfLifetime}).");
        }

        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentException("Coordinator:Renewal:InitialBackoff must be positive and MaxBackoff at least as long.");
        }

        if (MaintenanceInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("Coordinator:Renewal:MaintenanceInterval must be positive.");
        }

        if (FailuresBeforeNextIssuer < 1 || MaxConcurrentRenewalsPerShard < 1)
        {
            throw new ArgumentException("Coordinator:Renewal:FailuresBeforeNextIssuer and MaxConcurrentRenewalsPerShard must be at least 1.");
        }
    }
}
