using System.Text;
using System.Text.Json;

namespace Coordinator.Acme;

/// <summary>A CA response already read (bounded) into memory.</summary>
internal sealed class AcmeResponse(Uri url, int status, string? contentType, byte[] body, Uri? location, IReadOnlyList<(Uri Url, string Rel)> links, TimeSpan? retryAfter)
{
    public Uri Url { get; } = url;

    public int Status { get; } = status;

    public string? ContentType { get; } = contentType;

    public byte[] Body { get; } = body;

    public Uri? Location { get; } = location;

    public IReadOnlyList<(Uri Url, string Rel)> Links { get; } = links;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The body as JSON; a body that is not JSON fails with an <see cref="AcmeException"/> naming the URL.</summary>
    public JsonDocument Json()
    {
        try
        {
            return JsonDocument.Parse(Body);
        }
        catch (JsonException e)
        {
            throw new AcmeException($"the response from {Url} (HTTP {Status}, {ContentType ?? "no content type"}, {Body.Length} bytes) is not valid JSON: {e.Message} Body starts: {Snippet()}", e);
        }
    }

    public string Text() => Encoding.UTF8.GetString(Body);

    /// <summary>The first 120 characters of the body, control characters replaced, for error messages.</summary>
    public string Snippet()
    {
        var text = Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 120));
        var chars = text.Select(c => char.IsControl(c) ? ' ' : c).ToArray();
        return "\"" + new string(chars) + (Body.Length > 120 ? "…\"" : "\"");
    }
}
