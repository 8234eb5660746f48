using System.Globalization;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Events.Pagination;

/// <summary>Which way a page runs: backwards (newest first) or forwards (oldest first).</summary>
public enum Direction
{
    Backward,
    Forward,
}

/// <summary>
/// Parses the query parameters the event endpoints share. Handlers take them as strings so a bad value
/// is answered with the spec's JSON error (400 M_INVALID_PARAM / M_MISSING_PARAM) rather than a bare 400.
/// </summary>
public static class QueryParameters
{
    /// <summary>dir=b|f; <paramref name="fallback"/> when absent, or 400 M_MISSING_PARAM when null.</summary>
    public static Direction ParseDirection(string? value, Direction? fallback) => value switch
    {
        "b" => Direction.Backward,
        "f" => Direction.Forward,
        null when fallback is { } d => d,
        null => throw MatrixException.MissingParam("dir is required (b or f)"),
        _ => throw MatrixException.InvalidParam("dir must be b or f"),
    };

    /// <summary>A non-negative limit, <paramref name="fallback"/> when absent, capped at <paramref name="max"/>.</summary>
    public static int ParseLimit(string? value, int fallback, int max, int min = 0)
    {
        if (value is null) return fallback;
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var limit)) throw MatrixException.InvalidParam("limit must be an integer");
        if (limit < min) throw MatrixException.InvalidParam($"limit must be at least {min}");
        return (int)Math.Min(limit, max);
    }

    public static long ParseInteger(string? value, string name)
    {
        if (value is null) throw MatrixException.MissingParam($"{name} is required");
        return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw MatrixException.InvalidParam($"{name} must be an integer");
    }

    /// <summary>A pagination token, null when absent; one this server did not issue is 400 M_INVALID_PARAM.</summary>
    public static RoomStreamToken? ParseToken(string? value, string name)
    {
        if (value is null) return null;
        return RoomStreamToken.TryParse(value, out var token) ? token : throw MatrixException.InvalidParam($"{name} is not a valid pagination token");
    }

    /// <summary>true/false; anything else is 400 M_INVALID_PARAM.</summary>
    public static bool? ParseBoolean(string? value, string name) => value switch
    {
        null => null,
        "true" => true,
        "false" => false,
        _ => throw MatrixException.InvalidParam($"{name} must be true or false"),
    };
}
