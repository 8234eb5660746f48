using System.Globalization;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Rooms;

/// <summary>Query string values bound as text and parsed here, so a malformed one is 400 M_INVALID_PARAM.</summary>
public static class QueryParams
{
    public static int? Int(string? value, string name) =>
        value is null ? null
        : int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed
        : throw MatrixException.InvalidParam($"{name} must be an integer");

    public static bool Bool(string? value, string name) => value switch
    {
        null or "false" => false,
        "true" => true,
        _ => throw MatrixException.InvalidParam($"{name} must be true or false"),
    };
}
