using System.Globalization;
using System.Text.Json;

namespace Coordinator.Acme;

/// <summary>
/// Reads ACME JSON resources into the public records. Missing required members fail with an
/// <see cref="AcmeException"/> that names the member and the URL; unknown members are ignored.
/// </summary>
internal static class AcmeWire
{
    public static AcmeDirectory Directory(JsonElement e, Uri url)
    {
        RequireObject(e, "directory", url);
        var meta = e.TryGetProperty("meta", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        var profiles = new Dictionary<string, string>(StringComparer.Ordinal);
        if (meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("profiles", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            foreach (var profile in p.EnumerateObject())
            {
                profiles[profile.Name] = profile.Value.ValueKind == JsonValueKind.String ? profile.Value.GetString()! : profile.Value.GetRawText();
            }
        }

        return new AcmeDirectory(
            RequiredUri(e, "newNonce", "directory", url),
            RequiredUri(e, "newAccount", "directory", url),
            RequiredUri(e, "newOrder", "directory", url),
            OptionalUri(e, "revokeCert", url),
            OptionalUri(e, "keyChange", url),
            OptionalUri(e, "renewalInfo", url),
            new AcmeDirectoryMeta(
                meta.ValueKind == JsonValueKind.Object ? OptionalUri(meta, "termsOfService", url) : null,
                meta.ValueKind == JsonValueKind.Object ? OptionalUri(meta, "website", url) : null,
                meta.ValueKind == JsonValueKind.Object ? Strings(meta, "caaIdentities") : [],
                meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("externalAccountRequired", out var ear) && ear.ValueKind == JsonValueKind.True,
                profiles));
    }

    public static AcmeAccount Account(JsonElement e, Uri accountUrl)
    {
        RequireObject(e, "account", accountUrl);
        return new AcmeAccount(accountUrl, RequiredString(e, "status", "account", accountUrl), Strings(e, "contact"), OptionalUri(e, "orders", accountUrl));
    }

    public static AcmeOrder Order(JsonElement e, Uri orderUrl)
    {
        RequireObject(e, "order", orderUrl);
        var identifiers = new List<AcmeIdentifier>();
        if (e.TryGetProperty("identifiers", out var ids) && ids.ValueKind == JsonValueKind.Array)
        {
            identifiers.AddRange(ids.EnumerateArray().Select(i => Identifier(i, orderUrl)));
        }

        var authorizations = new List<Uri>();
        if (e.TryGetProperty("authorizations", out var authz) && authz.ValueKind == JsonValueKind.Array)
        {
            authorizations.AddRange(authz.EnumerateArray().Select(a => ToUri(a.GetString(), "authorizations", orderUrl)));
        }

        return new AcmeOrder(orderUrl, RequiredString(e, "status", "order", orderUrl), identifiers, authorizations,
            RequiredUri(e, "finalize", "order", orderUrl), OptionalUri(e, "certificate", orderUrl), Date(e, "expires"),
            e.TryGetProperty("error", out var err) && err.ValueKind == JsonValueKind.Object ? Problem(err) : null,
            OptionalString(e, "profile"), OptionalString(e, "replaces"));
    }

    public static AcmeAuthorization Authorization(JsonElement e, Uri url)
    {
        RequireObject(e, "authorization", url);
        if (!e.TryGetProperty("identifier", out var id))
        {
            throw new AcmeException($"the authorization from {url} lacks 'identifier'.");
        }

        var challenges = e.TryGetProperty("challenges", out var ch) && ch.ValueKind == JsonValueKind.Array
            ? ch.EnumerateArray().Select(c => Challenge(c, url)).ToList()
            : [];
        return new AcmeAuthorization(url, RequiredString(e, "status", "authorization", url), Identifier(id, url),
            e.TryGetProperty("wildcard", out var w) && w.ValueKind == JsonValueKind.True, challenges, Date(e, "expires"));
    }

    public static AcmeChallenge Challenge(JsonElement e, Uri baseUrl)
    {
        RequireObject(e, "challenge", baseUrl);
        return new AcmeChallenge(RequiredUri(e, "url", "challenge", baseUrl), RequiredString(e, "type", "challenge", baseUrl),
            RequiredString(e, "status", "challenge", baseUrl), OptionalString(e, "token") ?? string.Empty,
            e.TryGetProperty("error", out var err) && err.ValueKind == JsonValueKind.Object ? Problem(err) : null, Date(e, "validated"));
    }

    public static AcmeProblem Problem(JsonElement e)
    {
        var subproblems = e.TryGetProperty("subproblems", out var subs) && subs.ValueKind == JsonValueKind.Array
            ? subs.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object).Select(Problem).ToList()
            : [];
        AcmeIdentifier? identifier = null;
        if (e.TryGetProperty("identifier", out var id) && id.ValueKind == JsonValueKind.Object
            && OptionalString(id, "type") is { } t && OptionalString(id, "value") is { } v)
        {
            identifier = new AcmeIdentifier(t, v);
        }

        return new AcmeProblem(OptionalString(e, "type") ?? "about:blank", OptionalString(e, "detail"),
            e.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt32(out var status) ? status : null,
            identifier, subproblems);
    }

    public static AcmeRenewalInfo RenewalInfo(JsonElement e, Uri url, TimeSpan? retryAfter)
    {
        RequireObject(e, "renewalInfo", url);
        if (!e.TryGetProperty("suggestedWindow", out var window) || window.ValueKind != JsonValueKind.Object)
        {
            throw new AcmeException($"the renewalInfo from {url} lacks 'suggestedWindow'.");
        }

        var start = Date(window, "start") ?? throw new AcmeException($"the renewalInfo from {url} lacks a valid 'suggestedWindow.start'.");
        var end = Date(window, "end") ?? throw new AcmeException($"the renewalInfo from {url} lacks a valid 'suggestedWindow.end'.");
        if (end < start)
        {
            throw new AcmeException($"the renewalInfo from {url} has a window that ends ({end:O}) before it starts ({start:O}).");
        }

        return new AcmeRenewalInfo(start, end, OptionalUri(e, "explanationURL", url), retryAfter);
    }

    private static AcmeIdentifier Identifier(JsonElement e, Uri url)
    {
        RequireObject(e, "identifier", url);
        return new AcmeIdentifier(RequiredString(e, "type", "identifier", url), RequiredString(e, "value", "identifier", url));
    }

    private static void RequireObject(JsonElement e, string what, Uri url)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new AcmeException($"the {what} from {url} is a JSON {e.ValueKind}, not an object.");
        }
    }

    private static string RequiredString(JsonElement e, string name, string what, Uri url) =>
        OptionalString(e, name) ?? throw new AcmeException($"the {what} from {url} lacks the string '{name}'.");

    private static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static Uri RequiredUri(JsonElement e, string name, string what, Uri url) =>
        ToUri(RequiredString(e, name, what, url), name, url);

    private static Uri? OptionalUri(JsonElement e, string name, Uri url) =>
        OptionalString(e, name) is { } s ? ToUri(s, name, url) : null;

    private static Uri ToUri(string? text, string name, Uri url) =>
        Uri.TryCreate(url, text, out var u) && u.IsAbsoluteUri
            ? u
            : throw new AcmeException($"'{name}' in the response from {url} is not a URL: '{text}'.");

    private static List<string> Strings(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? [.. v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!)]
            : [];

    private static DateTimeOffset? Date(JsonElement e, string name) =>
        OptionalString(e, name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;
}
