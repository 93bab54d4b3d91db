using System.Net;

namespace Coordinator.Acme;

/// <summary>An ACME identifier (RFC 8555 §9.7.7): <c>dns</c> (A-labels, optionally a leading <c>*.</c>) or <c>ip</c> (RFC 8738).</summary>
/// <param name="Type">"dns" or "ip".</param>
/// <param name="Value">The name or address text.</param>
public sealed record AcmeIdentifier(string Type, string Value)
{
    /// <summary>The identifier type of DNS names.</summary>
    public const string DnsType = "dns";

    /// <summary>The identifier type of IP addresses (RFC 8738).</summary>
    public const string IpType = "ip";

    /// <summary>
    /// A DNS identifier. <paramref name="name"/> must be an ASCII host name (convert IDNs to A-labels first with
    /// <see cref="System.Globalization.IdnMapping"/>), optionally starting with <c>*.</c> for a wildcard.
    /// Throws <see cref="ArgumentException"/> naming the value when it is not.
    /// </summary>
    public static AcmeIdentifier Dns(string name)
    {
        IdentifierValidation.ValidateDnsName(name, nameof(name));
        return new AcmeIdentifier(DnsType, name);
    }

    /// <summary>An IP identifier (the address in its canonical text form, RFC 5952 for IPv6).</summary>
    public static AcmeIdentifier Ip(IPAddress ip)
    {
        ArgumentNullException.ThrowIfNull(ip);
        return new AcmeIdentifier(IpType, ip.ToString());
    }

    /// <summary>True for a DNS identifier that starts with <c>*.</c>.</summary>
    public bool IsWildcard => Type == DnsType && Value.StartsWith("*.", StringComparison.Ordinal);
}
