using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;

namespace Matrix.Homeserver.Rooms;

/// <summary>Typed reads of event content fields, tolerant of any JSON a remote or old event may hold.</summary>
public static class JsonFields
{
    public static string? String(JsonObject? json, string key) =>
        json?[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    public static string? String(Pdu? pdu, string key) => String(pdu?.Content, key);

    /// <summary>The strings of an array field; entries of other types are skipped.</summary>
    public static List<string> Strings(JsonObject? json, string key) =>
        json?[key] is JsonArray array ? [.. array.OfType<JsonValue>().Select(v => v.TryGetValue(out string? s) ? s : null).OfType<string>()] : [];

    /// <summary>Content equality as the canonical form sees it (key order does not matter).</summary>
    public static bool SameContent(JsonObject a, JsonObject b) =>
        CanonicalJson.SerializeToString(a, CanonicalJsonMode.Lenient) == CanonicalJson.SerializeToString(b, CanonicalJsonMode.Lenient);
}
