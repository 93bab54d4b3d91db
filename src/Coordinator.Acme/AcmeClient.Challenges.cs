using System.Security.Cryptography;
using System.Text;

namespace Coordinator.Acme;

/// <summary>Challenge responses (RFC 8555 §8.1, §8.3, §8.4; RFC 8737).</summary>
public sealed partial class AcmeClient
{
    /// <summary>
    /// The key authorization <c>token.thumbprint</c>: the HTTP-01 response body (served as-is at
    /// <c>/.well-known/acme-challenge/{token}</c>) and the input of <see cref="TlsAlpn01.CreateValidationCertificate(string, string)"/>.
    /// </summary>
    public string GetKeyAuthorization(string token) => KeyAuthorization(token, accountKey.Thumbprint);

    /// <summary>The DNS-01 TXT record value for <c>_acme-challenge.{name}</c>: base64url(SHA-256(key authorization)).</summary>
    public string GetDns01TxtValue(string token) =>
        Base64UrlText.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(GetKeyAuthorization(token))));

    internal static string KeyAuthorization(string token, string thumbprint)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        foreach (var c in token)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
            {
                throw new ArgumentException($"token '{token}' is not base64url.", nameof(token));
            }
        }

        return token + "." + thumbprint;
    }
}
