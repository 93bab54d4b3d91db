using System.Text;

namespace Coordinator.Acme;

/// <summary>
/// External account binding credentials (RFC 8555 §7.3.4) issued by the CA: a key id and an HMAC key,
/// base64url, used for HS256. The HMAC key is a secret: <see cref="ToString"/> does not show it.
/// </summary>
/// <param name="KeyId">The EAB key identifier given by the CA.</param>
/// <param name="HmacKeyBase64Url">The EAB HMAC key, base64url as the CA hands it out.</param>
public sealed record AcmeExternalAccountBinding(string KeyId, string HmacKeyBase64Url)
{
    /// <summary>Shows the key id only; the HMAC key is redacted.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("KeyId = ").Append(KeyId).Append(", HmacKeyBase64Url = ***");
        return true;
    }
}
