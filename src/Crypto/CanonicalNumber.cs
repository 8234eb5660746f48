using System.Buffers.Text;

namespace Matrix.Crypto;

/// <summary>
/// Rewrites a JSON number literal in canonical form. Integral values written with a fraction or an
/// exponent become plain digits (the appendix's <c>1e10</c> becomes <c>10000000000</c>) and <c>-0</c>
/// becomes <c>0</c>; values with a fractional part are refused, since canonical JSON has no floats.
/// </summary>
internal static class CanonicalNumber
{
    public const long MaxSafeInteger = (1L << 53) - 1;
    public const long MinSafeInteger = -MaxSafeInteger;

    // Bounds the digits a lenient integer may expand to, so "1e1000000" cannot allocate megabytes.
    private const int MaxDigits = 400;

    public static bool IsSafe(long value) => value is >= MinSafeInteger and <= MaxSafeInteger;

    public static void WriteInteger(long value, CanonicalJsonMode mode, PooledBufferWriter output)
    {
        if (mode == CanonicalJsonMode.Strict && !IsSafe(value)) throw OutOfRange();
        Utf8Formatter.TryFormat(value, output.GetSpan(20), out var written);
        output.Advance(written);
    }

    /// <param name="text">A literal that matches the JSON number grammar.</param>
    public static void WriteLiteral(ReadOnlySpan<byte> text, CanonicalJsonMode mode, PooledBufferWriter output)
    {
        if (Utf8Parser.TryParse(text, out long value, out var consumed) && consumed == text.Length)
        {
            WriteInteger(value, mode, output);
            return;
        }

        var negative = text[0] == (byte)'-';
        if (negative) text = text[1..];

        var end = text.IndexOfAny("eE"u8);
        var mantissa = end < 0 ? text : text[..end];
        var exponent = end < 0 ? 0 : ParseExponent(text[(end + 1)..]);

        var dot = mantissa.IndexOf((byte)'.');
        var integerPart = dot < 0 ? mantissa : mantissa[..dot];
        var fractionPart = dot < 0 ? [] : mantissa[(dot + 1)..];
        if (integerPart.Length + fractionPart.Length > MaxDigits) throw OutOfRange();

        Span<byte> digits = stackalloc byte[integerPart.Length + fractionPart.Length];
        integerPart.CopyTo(digits);
        fractionPart.CopyTo(digits[integerPart.Length..]);
        exponent -= fractionPart.Length;

        ReadOnlySpan<byte> significant = digits.TrimStart((byte)'0');
        if (significant.IsEmpty)
        {
            output.WriteByte((byte)'0');
            return;
        }

        var trimmed = significant.TrimEnd((byte)'0');
        exponent += significant.Length - trimmed.Length;
        if (exponent < 0) throw new CanonicalJsonException(CanonicalJsonError.NotAnInteger, "numbers must be integers: floats are not allowed in canonical JSON");

        var length = (long)trimmed.Length + exponent;
        if (length > MaxDigits || (mode == CanonicalJsonMode.Strict && length > 16)) throw OutOfRange();

        // Up to 16 digits still fit a long: let the integer path apply the exact range check.
        if (length <= 16)
        {
            long result = 0;
            foreach (var d in trimmed) result = (result * 10) + (d - '0');
            for (var i = 0; i < exponent; i++) result *= 10;
            WriteInteger(negative ? -result : result, mode, output);
            return;
        }

        if (negative) output.WriteByte((byte)'-');
        output.Write(trimmed);
        output.GetSpan(exponent)[..exponent].Fill((byte)'0');
        output.Advance(exponent);
    }

    private static int ParseExponent(ReadOnlySpan<byte> text)
    {
        var negative = text.Length > 0 && text[0] == (byte)'-';
        if (text.Length > 0 && (text[0] == (byte)'-' || text[0] == (byte)'+')) text = text[1..];
        long value = 0;
        foreach (var d in text)
        {
            // Anything beyond this bound is out of range (or, if negative, not an integer) anyway.
            value = Math.Min((value * 10) + (d - '0'), 100_000);
        }

        return (int)(negative ? -value : value);
    }

    private static CanonicalJsonException OutOfRange() =>
        new(CanonicalJsonError.IntegerOutOfRange, "integers must lie in [-(2^53)+1, 2^53-1]");
}
