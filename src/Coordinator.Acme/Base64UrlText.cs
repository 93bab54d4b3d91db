using System.Buffers.Text;

namespace Coordinator.Acme;

/// <summary>base64url (RFC 4648 §5, no padding) helpers with errors that name the setting, never the value.</summary>
internal static class Base64UrlText
{
    public static string Encode(ReadOnlySpan<byte> data) => Base64Url.EncodeToString(data);

    public static byte[] Decode(string text, string what)
    {
        try
        {
            return Base64Url.DecodeFromChars(text.AsSpan().TrimEnd('='));
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{what} is not valid base64url.", what);
        }
    }
}
