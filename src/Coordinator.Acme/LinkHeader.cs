using System.Net.Http.Headers;

namespace Coordinator.Acme;

/// <summary>Parses <c>Link</c> headers (RFC 8288) enough for ACME: <c>&lt;url&gt;;rel="alternate"</c>, <c>rel="up"</c>, <c>rel="index"</c>.</summary>
internal static class LinkHeader
{
    public static IReadOnlyList<(Uri Url, string Rel)> Parse(HttpResponseHeaders headers, Uri baseUrl)
    {
        if (!headers.TryGetValues("Link", out var values))
        {
            return [];
        }

        var links = new List<(Uri, string)>();
        foreach (var value in values)
        {
            foreach (var part in SplitLinks(value))
            {
                var open = part.IndexOf('<', StringComparison.Ordinal);
                var close = part.IndexOf('>', StringComparison.Ordinal);
                if (open < 0 || close < open)
                {
                    continue;
                }

                var target = part[(open + 1)..close];
                foreach (var param in part[(close + 1)..].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var eq = param.IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0 && param[..eq].Trim().Equals("rel", StringComparison.OrdinalIgnoreCase)
                        && Uri.TryCreate(baseUrl, target, out var url))
                    {
                        foreach (var rel in param[(eq + 1)..].Trim().Trim('"').Split(' ', StringSplitOptions.RemoveEmptyEntries))
                        {
                            links.Add((url, rel));
                        }
                    }
                }
            }
        }

        return links;
    }

    // Splits "<a>;rel=x, <b>;rel=y" on commas outside angle brackets and quotes.
    private static IEnumerable<string> SplitLinks(string value)
    {
        var start = 0;
        var inAngle = false;
        var inQuote = false;
        for (var i = 0; i < value.Length; i++)
        {
            switch (value[i])
            {
                case '<' when !inQuote: inAngle = true; break;
                case '>' when !inQuote: inAngle = false; break;
                case '"' when !inAngle: inQuote = !inQuote; break;
                case ',' when !inAngle && !inQuote:
                    yield return value[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return value[start..];
    }
}
