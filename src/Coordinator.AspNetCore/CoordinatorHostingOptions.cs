namespace Coordinator.AspNetCore;

/// <summary>
/// How a node hosts Coordinator: storage, clustering, on-demand issuance, plain-HTTP behaviour. Bound from the
/// <c>Coordinator</c> configuration section next to the grains' settings (issuers, domains, renewal).
/// </summary>
public sealed class CoordinatorHostingOptions
{
    /// <summary>Where certificates, keys and accounts are stored (always encrypted).</summary>
    public StorageSettings Storage { get; set; } = new();

    /// <summary>How this node finds the others.</summary>
    public ClusterSettings Cluster { get; set; } = new();

    /// <summary>Issuing certificates for names first seen in a TLS handshake.</summary>
    public OnDemandSettings OnDemand { get; set; } = new();

    /// <summary>Redirect plain-HTTP requests other than ACME challenges to HTTPS. Default: false.</summary>
    public bool RedirectHttpToHttps { get; set; }

    /// <summary>The HTTPS port used in redirects. Default: 443.</summary>
    public int HttpsPort { get; set; } = 443;

    internal void Validate()
    {
        Storage.Validate();
        Cluster.Validate();
        OnDemand.Validate();
    }
}

/// <summary>Storage settings: an S3-compatible bucket or a local directory, and the key ring.</summary>
public sealed class StorageSettings
{
    /// <summary>"Directory" (single machine; the embedded default) or "S3". Default: Directory.</summary>
    public string Kind { get; set; } = "Directory";

    /// <summary>The directory for Kind=Directory. Default: <c>./coordinator-data</c>.</summary>
    public string Directory { get; set; } = "coordinator-data";

    internal void Validate()
    {
        if (Kind is not ("Directory" or "S3"))
        {
            throw new ArgumentException($"Coordinator:Storage:Kind must be 'Directory' or 'S3' (got '{Kind}').");
        }
    }
}

/// <summary>Cluster membership. Localhost clustering joins nodes on one machine; other modes are configured by the host.</summary>
public sealed class ClusterSettings
{
    /// <summary>"Localhost" (all nodes on one machine) or "External" (the host adds a membership provider such as Redis). Default: Localhost.</summary>
    public string Mode { get; set; } = "Localhost";

    /// <summary>Orleans cluster id. Default: "coordinator".</summary>
    public string ClusterId { get; set; } = "coordinator";

    /// <summary>Orleans service id (keep it stable: grain state is keyed by it). Default: "coordinator".</summary>
    public string ServiceId { get; set; } = "coordinator";

    /// <summary>This silo's port. Default: 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>This silo's gateway port (for the CLI and other clients). Default: 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The first node's silo port, which the others join through (Localhost mode). Default: 11111.</summary>
    public int PrimarySiloPort { get; set; } = 11111;

    internal void Validate()
    {
        if (Mode is not ("Localhost" or "External"))
        {
            throw new ArgumentException($"Coordinator:Cluster:Mode must be 'Localhost' or 'External' (got '{Mode}').");
        }

        foreach (var (name, port) in new[] { ("SiloPort", SiloPort), ("GatewayPort", GatewayPort), ("PrimarySiloPort", PrimarySiloPort) })
        {
            if (port is < 1 or > 65535)
            {
                throw new ArgumentException($"Coordinator:Cluster:{name} must be a TCP port (got {port}).");
            }
        }
    }
}

/// <summary>On-demand issuance: a name without a certificate, seen in a handshake, is ordered when the policy allows it.</summary>
public sealed class OnDemandSettings
{
    /// <summary>Names (exact, or <c>*.example.com</c> for any subdomain) that may be issued on demand. Default: none (off).</summary>
    public IList<string> AllowedNames { get; } = [];

    /// <summary>At most this many on-demand orders per minute per node. Default: 10.</summary>
    public int MaxPerMinute { get; set; } = 10;

    internal void Validate()
    {
        if (MaxPerMinute < 1)
        {
            throw new ArgumentException($"Coordinator:OnDemand:MaxPerMinute must be at least 1 (got {MaxPerMinute}).");
        }
    }
}
