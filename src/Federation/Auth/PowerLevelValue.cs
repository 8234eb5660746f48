using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Auth;

/// <summary>
/// Reads one power level value the way each room version allows: integers everywhere, strings holding
/// an integer before v10 ("stringy" levels), and floats truncated towards zero before v6.
/// </summary>
internal static class PowerLevelValue
{
    public static bool TryParse(JsonNode? node, RoomVersion version, out long value)
    {
        value = 0;
        if (node is not JsonValue json) return false;
        switch (json.GetValueKind())
        {
            case JsonValueKind.Number:
                // Parsed JSON answers as long; values built in code may hold an int.
                if (json.TryGetValue(out long l))
                {
                    value = l;
                    return true;
                }

                if (json.TryGetValue(out int i))
                {
                    value = i;
                    return true;
                }

                // A non-integral number: only legal before strict canonical JSON (v6).
                if (version.StrictCanonicalJson || !json.TryGetValue(out double d) || !double.IsFinite(d)) return false;
                value = Saturate(Math.Truncate(d));
                return true;
            case JsonValueKind.String:
                return !version.EnforceIntPowerLevels && TryParseStringy(json.GetValue<string>(), out value);
            default:
                return false;
        }
    }

    /// <summary>The spec's stringy form: optional surrounding whitespace, one optional sign, decimal digits.</summary>
    private static bool TryParseStringy(string text, out long value)
    {
        value = 0;
        var s = text.AsSpan().Trim();
        var digits = s.Length > 0 && (s[0] == '+' || s[0] == '-') ? s[1..] : s;
        if (digits.IsEmpty) return false;
        foreach (var c in digits)
        {
            if (c is < '0' or > '9') return false;
        }

        return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    private static long Saturate(double d) =>
        d >= long.MaxValue ? long.MaxValue - 1 : d <= long.MinValue ? long.MinValue : (long)d;
}
