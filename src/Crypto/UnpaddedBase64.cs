using System.Buffers;
using System.Buffers.Text;

namespace Matrix.Crypto;

/// <summary>
/// Unpadded Base64 (spec appendix), in the standard and the URL-safe alphabet. Decoding also accepts
/// correctly padded input, as the spec recommends and Synapse does, but nothing outside the alphabet.
/// </summary>
public static class UnpaddedBase64
{
    private static readonly SearchValues<char> Standard = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    private static readonly SearchValues<char> UrlSafe = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public static string Encode(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=');

    public static string EncodeUrlSafe(ReadOnlySpan<byte> data) => Base64Url.EncodeToString(data);

    /// <exception cref="FormatException">The text is not base64 in the standard alphabet.</exception>
    public static byte[] Decode(string text) => TryDecode(text, out var bytes) ? bytes : throw new FormatException("not valid unpadded base64");

    /// <exception cref="FormatException">The text is not base64 in the URL-safe alphabet.</exception>
    public static byte[] DecodeUrlSafe(string text) => TryDecodeUrlSafe(text, out var bytes) ? bytes : throw new FormatException("not valid URL-safe unpadded base64");

    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes) => TryDecode(text, Standard, urlSafe: false, out bytes);

    public static bool TryDecodeUrlSafe(ReadOnlySpan<char> text, out byte[] bytes) => TryDecode(text, UrlSafe, urlSafe: true, out bytes);

    private static bool TryDecode(ReadOnlySpan<char> text, SearchValues<char> alphabet, bool urlSafe, out byte[] bytes)
    {
        bytes = [];
        var unpadded = text.TrimEnd('=');
        if (!IsValidPadding(unpadded.Length, text.Length - unpadded.Length) || unpadded.ContainsAnyExcept(alphabet)) return false;

        var decoded = new byte[(unpadded.Length * 3) / 4];
        int written;
        if (urlSafe)
        {
            if (!Base64Url.TryDecodeFromChars(unpadded, decoded, out written)) return false;
        }
        else
        {
            Span<char> padded = unpadded.Length <= 512 ? stackalloc char[unpadded.Length + 3] : new char[unpadded.Length + 3];
            unpadded.CopyTo(padded);
            var length = unpadded.Length;
            while (length % 4 != 0) padded[length++] = '=';
            if (!Convert.TryFromBase64Chars(padded[..length], decoded, out written)) return false;
        }

        bytes = written == decoded.Length ? decoded : decoded[..written];
        return true;
    }

    // Padding is optional; when present (wholly or partly, as Synapse allows) it must not exceed what the length calls for.
    private static bool IsValidPadding(int length, int padding) =>
        length % 4 != 1 && (padding == 0 || padding <= (4 - (length % 4)) % 4);
}
