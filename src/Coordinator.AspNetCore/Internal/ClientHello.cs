using System.Buffers;
using System.Text;

namespace Coordinator.AspNetCore.Internal;

/// <summary>What a TLS ClientHello offers that matters for certificate choice: SNI and ALPN.</summary>
internal sealed record ClientHello(string? ServerName, IReadOnlyList<string> ApplicationProtocols)
{
    public const string AcmeTls1 = "acme-tls/1";

    public bool OffersAcmeTls1 => ApplicationProtocols.Contains(AcmeTls1, StringComparer.Ordinal);
}

/// <summary>
/// Parses a ClientHello from the start of a TLS stream, reassembling the handshake message across TLS records
/// (a ClientHello split over several records is legal). Never throws on garbage: it reports Invalid.
/// </summary>
internal static class ClientHelloParser
{
    public enum Result
    {
        /// <summary>Parsed.</summary>
        Done,

        /// <summary>More bytes are needed.</summary>
        NeedMore,

        /// <summary>Not a TLS ClientHello (or malformed): let TLS reject it.</summary>
        Invalid,
    }

    public static Result TryParse(ReadOnlySequence<byte> input, out ClientHello? hello)
    {
        hello = null;
        var bytes = input.IsSingleSegment ? input.FirstSpan : input.ToArray();
        var handshake = new List<byte>();
        var pos = 0;
        int? messageLength = null;
        while (true)
        {
            if (bytes.Length - pos < 5)
            {
                return Result.NeedMore;
            }

            if (bytes[pos] != 0x16 || bytes[pos + 1] != 0x03)
            {
                return Result.Invalid;
            }

            var recordLength = (bytes[pos + 3] << 8) | bytes[pos + 4];
            if (recordLength == 0 || recordLength > 16384 + 2048)
            {
                return Result.Invalid;
            }

            if (bytes.Length - pos - 5 < recordLength)
            {
                return Result.NeedMore;
            }

            for (var i = 0; i < recordLength; i++)
            {
                handshake.Add(bytes[pos + 5 + i]);
            }

            pos += 5 + recordLength;
            if (messageLength is null && handshake.Count >= 4)
            {
                if (handshake[0] != 0x01)
                {
                    return Result.Invalid; // not a ClientHello
                }

                messageLength = (handshake[1] << 16) | (handshake[2] << 8) | handshake[3];
            }

            if (messageLength is { } m && handshake.Count >= m + 4)
            {
                hello = ParseBody(handshake.GetRange(4, m).ToArray());
                return hello is null ? Result.Invalid : Result.Done;
            }
        }
    }

    private static ClientHello? ParseBody(ReadOnlySpan<byte> b)
    {
        try
        {
            var p = 2 + 32; // version, random
            p += 1 + b[p]; // session id
            p += 2 + ((b[p] << 8) | b[p + 1]); // cipher suites
            p += 1 + b[p]; // compression methods
            if (p == b.Length)
            {
                return new ClientHello(null, []);
            }

            var extEnd = p + 2 + ((b[p] << 8) | b[p + 1]);
            p += 2;
            if (extEnd > b.Length)
            {
                return null;
            }

            string? sni = null;
            var alpn = new List<string>();
            while (p + 4 <= extEnd)
            {
                var type = (b[p] << 8) | b[p + 1];
                var len = (b[p + 2] << 8) | b[p + 3];
                var data = b.Slice(p + 4, len);
                p += 4 + len;
                if (type == 0 && data.Length >= 5 && data[2] == 0)
                {
                    var nameLength = (data[3] << 8) | data[4];
                    var name = data.Slice(5, nameLength);
                    if (nameLength is > 0 and <= 255 && IsHostChars(name))
                    {
                        sni = Encoding.ASCII.GetString(name);
                    }
                }
                else if (type == 16 && data.Length >= 2)
                {
                    var listEnd = 2 + ((data[0] << 8) | data[1]);
                    for (var q = 2; q < listEnd && q < data.Length;)
                    {
                        var l = data[q];
                        alpn.Add(Encoding.ASCII.GetString(data.Slice(q + 1, l)));
                        q += 1 + l;
                    }
                }
            }

            return new ClientHello(sni, alpn);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
        catch (IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static bool IsHostChars(ReadOnlySpan<byte> s)
    {
        foreach (var c in s)
        {
            if (!(c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'*'))
            {
                return false;
            }
        }

        return true;
    }
}
