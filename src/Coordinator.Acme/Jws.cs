using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Coordinator.Acme;

/// <summary>Builds flattened JSON JWS objects (RFC 7515 §7.2.2) as ACME requests them (RFC 8555 §6.2).</summary>
internal static class Jws
{
    /// <summary>
    /// A request JWS: <c>alg</c>, then <c>kid</c> when <paramref name="kid"/> is set else <c>jwk</c>, then
    /// <c>nonce</c> (omitted when null, as in the inner keyChange JWS) and <c>url</c>. A null payload means
    /// POST-as-GET (empty payload string).
    /// </summary>
    public static byte[] Sign(JwsSigner signer, Uri url, string? nonce, Uri? kid, byte[]? payload)
    {
        var header = JsonBytes.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("alg", signer.Algorithm);
            if (kid is not null)
            {
                w.WriteString("kid", kid.AbsoluteUri);
            }
            else
            {
                w.WritePropertyName("jwk");
                signer.WriteJwk(w);
            }

            if (nonce is not null)
            {
                w.WriteString("nonce", nonce);
            }

            w.WriteString("url", url.AbsoluteUri);
            w.WriteEndObject();
        });
        return Assemble(header, payload, signer.Sign);
    }

    /// <summary>The external account binding JWS (RFC 8555 §7.3.4): HS256 over the account's public JWK.</summary>
    public static byte[] ExternalAccountBinding(AcmeExternalAccountBinding eab, JwsSigner accountKey, Uri newAccountUrl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eab.KeyId, "eab.KeyId");
        ArgumentException.ThrowIfNullOrWhiteSpace(eab.HmacKeyBase64Url, "eab.HmacKeyBase64Url");
        var macKey = Base64UrlText.Decode(eab.HmacKeyBase64Url, "eab.HmacKeyBase64Url");
        var header = JsonBytes.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("alg", "HS256");
            w.WriteString("kid", eab.KeyId);
            w.WriteString("url", newAccountUrl.AbsoluteUri);
            w.WriteEndObject();
        });
        try
        {
            return Assemble(header, accountKey.JwkJson(), input => HMACSHA256.HashData(macKey, input));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(macKey);
        }
    }

    private delegate byte[] SignFunc(ReadOnlySpan<byte> input);

    private static byte[] Assemble(byte[] header, byte[]? payload, SignFunc sign)
    {
        var protectedB64 = Base64UrlText.Encode(header);
        var payloadB64 = payload is null ? string.Empty : Base64UrlText.Encode(payload);
        var signature = sign(Encoding.ASCII.GetBytes(protectedB64 + "." + payloadB64));
        return JsonBytes.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("protected", protectedB64);
            w.WriteString("payload", payloadB64);
            w.WriteString("signature", Base64UrlText.Encode(signature));
            w.WriteEndObject();
        });
    }

    /// <summary>Writes an already-serialized JSON value (e.g. a nested JWS) as a property.</summary>
    public static void WriteRaw(Utf8JsonWriter writer, string name, byte[] json)
    {
        writer.WritePropertyName(name);
        writer.WriteRawValue(json, skipInputValidation: true);
    }
}
