using System.Buffers;
using System.Text.Json;

namespace Coordinator.Acme;

/// <summary>Writes small JSON documents with <see cref="Utf8JsonWriter"/> (no reflection, no serializer).</summary>
internal static class JsonBytes
{
    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
