using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Admin;

/// <summary>
/// Query-string and body values of the admin API, parsed with Synapse's rules and errors: a malformed
/// value is 400 M_INVALID_PARAM (query) or M_BAD_JSON (body field of the wrong type).
/// </summary>
public static class AdminParams
{
    /// <summary>A non-negative integer query parameter (from, limit), or the default when absent.</summary>
    public static int NonNegative(HttpRequest request, string name, int defaultValue)
    {
        var text = request.Query[name].FirstOrDefault();
        if (text is null) return defaultValue;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw MatrixException.InvalidParam($"Query parameter {name} must be a string representing a positive integer.");
    }

    /// <summary>A true/false query parameter, or the default when absent.</summary>
    public static bool Bool(HttpRequest request, string name, bool defaultValue) => request.Query[name].FirstOrDefault() switch
    {
        null => defaultValue,
        "true" => true,
        "false" => false,
        _ => throw MatrixException.InvalidParam($"Boolean query parameter '{name}' must be one of ['true', 'false']"),
    };

    /// <summary>dir: f (default) or b; true when backwards.</summary>
    public static bool Backwards(HttpRequest request) => request.Query["dir"].FirstOrDefault() switch
    {
        null or "f" => false,
        "b" => true,
        _ => throw MatrixException.InvalidParam("Query parameter 'dir' must be one of ['b', 'f']"),
    };

    /// <summary>One of <paramref name="allowed"/>, or the default when absent.</summary>
    public static string Choice(HttpRequest request, string name, IReadOnlyCollection<string> allowed, string defaultValue)
    {
        var text = request.Query[name].FirstOrDefault();
        if (text is null) return defaultValue;
        return allowed.Contains(text) ? text : throw MatrixException.InvalidParam($"Unknown value for {name}: '{text}'");
    }

    /// <summary>A non-empty string query parameter, or null.</summary>
    public static string? Text(HttpRequest request, string name) => request.Query[name].FirstOrDefault() is { Length: > 0 } text ? text : null;

    /// <summary>A boolean body field: null when absent or null, 400 M_BAD_JSON when of another type.</summary>
    public static bool? BodyBool(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw MatrixException.BadJson($"Param '{name}' must be a boolean, if given"),
    };

    /// <summary>A string body field: null when absent or null, 400 M_BAD_JSON when of another type.</summary>
    public static string? BodyString(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.String => v.GetValue<string>(),
        _ => throw MatrixException.BadJson($"Param '{name}' must be a string, if given"),
    };

    /// <summary>An integer body field: null when absent or null, 400 M_BAD_JSON otherwise.</summary>
    public static long? BodyInteger(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.Number && v.TryGetValue<long>(out var n) => n,
        _ => throw MatrixException.BadJson($"Param '{name}' must be an integer, if given"),
    };

    /// <summary>Pages <paramref name="total"/> items: next_token is the offset after this page, when there is more.</summary>
    public static string? NextToken(int from, int count, int total) =>
        from + count < total ? (from + count).ToString(CultureInfo.InvariantCulture) : null;
}
