using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Accounts;

/// <summary>Reading optional members of a JSON object where "absent" and "null" mean different things.</summary>
public static class JsonFields
{
    /// <summary>
    /// An optional member that may be null or a whole number: Present is false when absent; Value is
    /// null for JSON null.
    /// </summary>
    /// <exception cref="MatrixException">400 M_INVALID_PARAM for another type or a fraction.</exception>
    public static (bool Present, long? Value) NullableInteger(JsonObject json, string name)
    {
        if (!json.TryGetPropertyValue(name, out var node)) return (false, null);
        if (node is null) return (true, null);
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var number)) return (true, number);
        throw MatrixException.InvalidParam($"{name} must be an integer or null");
    }

    /// <summary>A string member, null when absent or null; M_BAD_JSON when present with another type.</summary>
    public static string? String(JsonObject json, string name) => json[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw MatrixException.BadJson($"{name} must be a string"),
    };

    /// <summary>An object member, null when absent or null; M_BAD_JSON when present with another type.</summary>
    public static JsonObject? Object(JsonObject json, string name) => json[name] switch
    {
        null => null,
        JsonObject o => o,
        _ => throw MatrixException.BadJson($"{name} must be an object"),
    };
}
