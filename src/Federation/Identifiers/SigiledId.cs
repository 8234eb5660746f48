using System.Buffers;
using System.Text;

namespace Matrix.Federation.Identifiers;

/// <summary>The checks shared by every <c>&amp;localpart:domain</c> identifier.</summary>
internal static class SigiledId
{
    public const int MaxBytes = 255;

    private static readonly SearchValues<char> UrlSafeBase64 = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
    private static readonly SearchValues<char> StandardBase64 = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

    /// <summary>Length of an unpadded base64 SHA-256 hash.</summary>
    public const int HashLength = 43;

    /// <summary>Checks the sigil and the length.</summary>
    public static IdentifierError CheckFrame(string? value, char sigil)
    {
        if (string.IsNullOrEmpty(value)) return IdentifierError.Empty;
        if (value[0] != sigil) return IdentifierError.WrongSigil;
        return Encoding.UTF8.GetByteCount(value) > MaxBytes ? IdentifierError.TooLong : IdentifierError.None;
    }

    /// <summary>Splits <c>&amp;localpart:server</c> at the first colon (localparts hold none) and parses the server name.</summary>
    public static IdentifierError SplitDomain(string value, out string localpart, out ServerName? server)
    {
        localpart = "";
        server = null;
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return IdentifierError.MissingServerName;
        localpart = value[1..colon];
        return ServerName.TryParse(value[(colon + 1)..], out server, out var error) ? IdentifierError.None : error;
    }

    /// <summary>The historical localpart rule shared by user IDs, room IDs and aliases: any code point but NUL (and ':').</summary>
    public static IdentifierError CheckOpaqueLocalpart(string localpart, bool allowEmpty)
    {
        if (localpart.Length == 0) return allowEmpty ? IdentifierError.None : IdentifierError.EmptyLocalpart;
        return localpart.Contains('\0', StringComparison.Ordinal) || !IsWellFormedUtf16(localpart) ? IdentifierError.InvalidLocalpart : IdentifierError.None;
    }

    public static bool IsHash(ReadOnlySpan<char> text, bool urlSafe) =>
        text.Length == HashLength && !text.ContainsAnyExcept(urlSafe ? UrlSafeBase64 : StandardBase64);

    private static bool IsWellFormedUtf16(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(text, out _, out var consumed) != OperationStatus.Done) return false;
            text = text[consumed..];
        }

        return true;
    }
}
