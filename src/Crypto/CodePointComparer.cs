namespace Matrix.Crypto;

/// <summary>
/// Orders strings by Unicode code point, which canonical JSON requires for object keys. Plain ordinal
/// (UTF-16 code unit) order differs for characters outside the BMP: a surrogate (0xD800–0xDFFF)
/// sorts before U+E000–U+FFFF by code unit, but the code point it encodes sorts after them.
/// </summary>
public sealed class CodePointComparer : IComparer<string>
{
    public static readonly CodePointComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        return Compare(x.AsSpan(), y.AsSpan());
    }

    public static int Compare(ReadOnlySpan<char> x, ReadOnlySpan<char> y)
    {
        var i = x.CommonPrefixLength(y);
        if (i == x.Length || i == y.Length) return x.Length - y.Length;
        int a = x[i], b = y[i];
        if (a >= 0xD800 && b >= 0xD800)
        {
            a = Rank(a);
            b = Rank(b);
        }

        return a - b;
    }

    // Moves surrogates above U+E000–U+FFFF, which restores code point order at the first difference.
    private static int Rank(int c) => c >= 0xE000 ? c - 0x800 : c + 0x2000;
}
