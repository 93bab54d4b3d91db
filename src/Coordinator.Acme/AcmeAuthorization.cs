namespace Coordinator.Acme;

/// <summary>An ACME authorization (RFC 8555 §7.1.4).</summary>
/// <param name="Url">The authorization URL.</param>
/// <param name="Status">"pending", "valid", "invalid", "deactivated", "expired" or "revoked".</param>
/// <param name="Identifier">The identifier, without any <c>*.</c> (see <paramref name="Wildcard"/>).</param>
/// <param name="Wildcard">True when this authorization is for the wildcard of <paramref name="Identifier"/>.</param>
/// <param name="Challenges">The challenges offered (one to answer).</param>
/// <param name="Expires">When the authorization expires, if the CA said.</param>
public sealed record AcmeAuthorization(Uri Url, string Status, AcmeIdentifier Identifier, bool Wildcard, IReadOnlyList<AcmeChallenge> Challenges, DateTimeOffset? Expires)
{
    /// <summary>The challenge of <paramref name="type"/> (see <see cref="AcmeChallenge"/> constants), or null.</summary>
    public AcmeChallenge? Challenge(string type) => Challenges.FirstOrDefault(c => c.Type == type);
}
