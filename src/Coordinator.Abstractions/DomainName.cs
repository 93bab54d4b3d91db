using System.Globalization;

namespace Coordinator;

/// <summary>Host-name rules shared by every part of Coordinator: the grain key is the normalized name.</summary>
public static class DomainName
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>
    /// Normalizes a host name to its lower-case A-label form (IDNs converted with IDNA/UTS 46), without a
    /// trailing dot. A leading <c>*.</c> wildcard label is kept. Throws <see cref="ArgumentException"/> naming the
    /// value when it is not a valid DNS host name (empty, over 253 characters, a label over 63, characters
    /// outside letters, digits and hyphens, a label starting or ending with a hyphen, an IP address).
    /// </summary>
    public static string Normalize(string name)
    {
        if (!TryNormalize(name, out var normalized, out var error))
        {
            throw new ArgumentException(error, nameof(name));
        }

        return normalized;
    }

    /// <summary>Like <see cref="Normalize"/>, returning false and the reason instead of throwing.</summary>
    public static bool TryNormalize(string? name, out string normalized, out string error)
    {
        normalized = string.Empty;
        var shown = Show(name);
        if (string.IsNullOrWhiteSpace(name))
        {
            error = "A domain name is required (got an empty value).";
            return false;
        }

        var n = name.Trim();
        if (n.EndsWith('.'))
        {
            n = n[..^1];
        }

        var wildcard = false;
        if (n.StartsWith("*.", StringComparison.Ordinal))
        {
            wildcard = true;
            n = n[2..];
        }

        if (n.Contains('*', StringComparison.Ordinal))
        {
            error = $"Invalid domain name '{shown}': a wildcard is allowed only as the whole leftmost label ('*.example.com').";
            return false;
        }

        if (System.Net.IPAddress.TryParse(n, out _) || n.Contains(':', StringComparison.Ordinal))
        {
            error = $"Invalid domain name '{shown}': IP addresses are not host names.";
            return false;
        }

        string ascii;
        try
        {
            ascii = Idn.GetAscii(n).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            error = $"Invalid domain name '{shown}': not a valid (internationalized) host name.";
            return false;
        }

        if (ascii.Length > 253 - (wildcard ? 2 : 0))
        {
            error = $"Invalid domain name '{shown}': longer than 253 characters.";
            return false;
        }

        foreach (var label in ascii.Split('.'))
        {
            if (label.Length is 0 or > 63)
            {
                error = $"Invalid domain name '{shown}': every label must have 1 to 63 characters.";
                return false;
            }

            if (label[0] == '-' || label[^1] == '-')
            {
                error = $"Invalid domain name '{shown}': a label may not start or end with a hyphen.";
                return false;
            }

            foreach (var c in label)
            {
                if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
                {
                    error = $"Invalid domain name '{shown}': only letters, digits and hyphens are allowed.";
                    return false;
                }
            }
        }

        if (ascii.Split('.')[^1].All(char.IsAsciiDigit))
        {
            error = $"Invalid domain name '{shown}': the top-level label may not be all digits.";
            return false;
        }

        normalized = wildcard ? "*." + ascii : ascii;
        error = string.Empty;
        return true;
    }

    /// <summary>Whether the normalized name is a wildcard (<c>*.example.com</c>).</summary>
    public static bool IsWildcard(string normalizedName) =>
        normalizedName?.StartsWith("*.", StringComparison.Ordinal) == true;

    // Error messages quote the input, cut and with control characters replaced, so they are safe to log.
    private static string Show(string? name)
    {
        if (name is null)
        {
            return "(null)";
        }

        var cut = name.Length > 80 ? name[..80] + "…" : name;
        return new string(cut.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}
