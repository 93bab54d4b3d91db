using System.Net;
using System.Net.Sockets;

namespace Coordinator.Acme;

/// <summary>Checks identifiers before anything is sent, so a bad name fails locally with an error that names it.</summary>
internal static class IdentifierValidation
{
    public static void Validate(AcmeIdentifier identifier, string paramName)
    {
        ArgumentNullException.ThrowIfNull(identifier, paramName);
        switch (identifier.Type)
        {
            case AcmeIdentifier.DnsType:
                ValidateDnsName(identifier.Value, paramName);
                break;
            case AcmeIdentifier.IpType:
                if (identifier.Value is null || !IPAddress.TryParse(identifier.Value, out var ip)
                    || ip.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                    || ip.ToString() != identifier.Value)
                {
                    throw new ArgumentException($"IP identifier '{identifier.Value}' is not an IP address in canonical form (use AcmeIdentifier.Ip).", paramName);
                }

                break;
            default:
                throw new ArgumentException($"identifier type '{identifier.Type}' of '{identifier.Value}' is not supported (use 'dns' or 'ip').", paramName);
        }
    }

    public static void ValidateDnsName(string name, string paramName)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException("DNS identifier '' is empty.", paramName);
        }

        if (name.Length > 253)
        {
            throw new ArgumentException($"DNS identifier '{name}' is longer than 253 characters.", paramName);
        }

        var labels = name.Split('.');
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (label == "*" && i == 0 && labels.Length > 1)
            {
                continue;
            }

            if (label.Contains('*', StringComparison.Ordinal))
            {
                throw new ArgumentException($"DNS identifier '{name}' has a '*' that is not a whole leading '*.' label.", paramName);
            }

            if (label.Length == 0)
            {
                throw new ArgumentException($"DNS identifier '{name}' has an empty label (leading, trailing or double dot).", paramName);
            }

            if (label.Length > 63)
            {
                throw new ArgumentException($"DNS identifier '{name}' has a label longer than 63 characters.", paramName);
            }

            if (label[0] == '-' || label[^1] == '-')
            {
                throw new ArgumentException($"DNS identifier '{name}' has a label that starts or ends with '-'.", paramName);
            }

            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-'))
                {
                    throw new ArgumentException($"DNS identifier '{name}' contains '{c}': only ASCII letters, digits and '-' are allowed (convert IDNs to A-labels with IdnMapping).", paramName);
                }
            }
        }

        if (labels.Length == 1 || (labels.Length == 2 && labels[0] == "*"))
        {
            // A single label (or "*.tld") is a valid DNS name but no CA issues for it; fail early and clearly.
            throw new ArgumentException($"DNS identifier '{name}' is not a fully qualified name (it needs at least two labels besides '*').", paramName);
        }

        if (IPAddress.TryParse(name, out _))
        {
            throw new ArgumentException($"DNS identifier '{name}' is an IP address: use AcmeIdentifier.Ip.", paramName);
        }
    }
}
