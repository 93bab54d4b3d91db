using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Coordinator.Testing.Tests;

/// <summary>A minimal DNS client over UDP, enough to check what challtestsrv answers.</summary>
internal static class DnsQuery
{
    public const ushort TypeA = 1;
    public const ushort TypeTxt = 16;

    public sealed record Answer(List<IPAddress> Addresses, List<string> Texts);

    public static async Task<Answer> QueryAsync(int port, string name, ushort type)
    {
        var query = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(Encoding.ASCII.GetBytes(label));
        }

        query.AddRange(new byte[] { 0, (byte)(type >> 8), (byte)type, 0, 1 });
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        await udp.SendAsync(query.ToArray(), new IPEndPoint(IPAddress.Loopback, port));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var result = await udp.ReceiveAsync(cts.Token);
        return Parse(result.Buffer);
    }

    private static Answer Parse(byte[] m)
    {
        var answer = new Answer([], []);
        var qd = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(4));
        var an = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(6));
        var pos = 12;
        for (var i = 0; i < qd; i++)
        {
            pos = SkipName(m, pos) + 4;
        }

        for (var i = 0; i < an; i++)
        {
            pos = SkipName(m, pos);
            var type = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(pos));
            var len = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(pos + 8));
            var data = m.AsSpan(pos + 10, len);
            if (type == TypeA && len == 4)
            {
                answer.Addresses.Add(new IPAddress(data));
            }
            else if (type == TypeTxt)
            {
                var sb = new StringBuilder();
                for (var j = 0; j < data.Length;)
                {
                    var l = data[j];
                    sb.Append(Encoding.ASCII.GetString(data.Slice(j + 1, l)));
                    j += l + 1;
                }

                answer.Texts.Add(sb.ToString());
            }

            pos += 10 + len;
        }

        return answer;
    }

    private static int SkipName(byte[] m, int pos)
    {
        while (true)
        {
            var l = m[pos];
            if (l == 0)
            {
                return pos + 1;
            }

            if ((l & 0xC0) == 0xC0)
            {
                return pos + 2;
            }

            pos += l + 1;
        }
    }
}
