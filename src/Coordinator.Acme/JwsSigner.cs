using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace Coordinator.Acme;

/// <summary>
/// Signs JWS (RFC 7515) with an ECDSA or RSA key and writes its public JWK (RFC 7517) with exactly the
/// members, in exactly the order, that RFC 7638 thumbprints require. Safe for concurrent use.
/// </summary>
internal sealed class JwsSigner
{
    private readonly ECDsa? ec;
    private readonly RSA? rsa;
    private readonly HashAlgorithmName hash;

    public JwsSigner(AsymmetricAlgorithm key)
    {
        ArgumentNullException.ThrowIfNull(key);
        switch (key)
        {
            case ECDsa e:
                ec = e;
                (Algorithm, Curve, hash) = e.KeySize switch
                {
                    256 => ("ES256", "P-256", HashAlgorithmName.SHA256),
                    384 => ("ES384", "P-384", HashAlgorithmName.SHA384),
                    521 => ("ES512", "P-521", HashAlgorithmName.SHA512),
                    _ => throw new ArgumentException($"ECDSA key size {e.KeySize} is not supported (use P-256, P-384 or P-521).", nameof(key)),
                };
                break;
            case RSA r:
                if (r.KeySize < 2048)
                {
                    throw new ArgumentException($"RSA key size {r.KeySize} is too small (at least 2048 bits).", nameof(key));
                }

                rsa = r;
                Algorithm = "RS256";
                hash = HashAlgorithmName.SHA256;
                break;
            default:
                throw new ArgumentException($"key type {key.GetType().Name} is not supported (use ECDsa or RSA).", nameof(key));
        }

        Thumbprint = Base64Url.EncodeToString(SHA256.HashData(JwkJson()));
    }

    /// <summary>The JWS <c>alg</c>: ES256, ES384, ES512 or RS256.</summary>
    public string Algorithm { get; }

    /// <summary>The JWK curve name for ECDSA keys, else null.</summary>
    public string? Curve { get; }

    /// <summary>RFC 7638 thumbprint (SHA-256, base64url).</summary>
    public string Thumbprint { get; }

    /// <summary>Signs the JWS signing input; ECDSA signatures are r||s as JWS requires.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) => ec is not null
        ? ec.SignData(data, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
        : rsa!.SignData(data.ToArray(), hash, RSASignaturePadding.Pkcs1);

    /// <summary>Writes the public JWK as a JSON object, members in lexicographic order (RFC 7638).</summary>
    public void WriteJwk(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        if (ec is not null)
        {
            var p = ec.ExportParameters(false);
            var size = (ec.KeySize + 7) / 8;
            writer.WriteString("crv", Curve);
            writer.WriteString("kty", "EC");
            writer.WriteString("x", Base64Url.EncodeToString(PadLeft(p.Q.X!, size)));
            writer.WriteString("y", Base64Url.EncodeToString(PadLeft(p.Q.Y!, size)));
        }
        else
        {
            var p = rsa!.ExportParameters(false);
            writer.WriteString("e", Base64Url.EncodeToString(TrimLeadingZeros(p.Exponent!)));
            writer.WriteString("kty", "RSA");
            writer.WriteString("n", Base64Url.EncodeToString(TrimLeadingZeros(p.Modulus!)));
        }

        writer.WriteEndObject();
    }

    /// <summary>The public JWK, serialized compactly (the RFC 7638 thumbprint input).</summary>
    public byte[] JwkJson() => JsonBytes.Write(WriteJwk);

    /// <summary>The RFC 7638 thumbprint of an RSA public key (for tests against the RFC's example).</summary>
    internal static string RsaThumbprint(RSAParameters p) => Base64Url.EncodeToString(SHA256.HashData(JsonBytes.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("e", Base64Url.EncodeToString(TrimLeadingZeros(p.Exponent!)));
        w.WriteString("kty", "RSA");
        w.WriteString("n", Base64Url.EncodeToString(TrimLeadingZeros(p.Modulus!)));
        w.WriteEndObject();
    })));

    private static byte[] PadLeft(byte[] value, int size)
    {
        if (value.Length >= size)
        {
            return value;
        }

        var padded = new byte[size];
        value.CopyTo(padded, size - value.Length);
        return padded;
    }

    private static ReadOnlySpan<byte> TrimLeadingZeros(byte[] value)
    {
        var i = 0;
        while (i < value.Length - 1 && value[i] == 0)
        {
            i++;
        }

        return value.AsSpan(i);
    }
}
