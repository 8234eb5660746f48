using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Events.Relations;

/// <summary>The relation types the server treats specially.</summary>
public static class RelationTypes
{
    public const string Annotation = "m.annotation";
    public const string Reference = "m.reference";
    public const string Replace = "m.replace";
    public const string Thread = "m.thread";
}

/// <summary>
/// An event's content.m.relates_to, read as Synapse reads it: a relation needs a non-empty string
/// rel_type and event_id, and anything else is no relation at all (replies, which carry only
/// m.in_reply_to, included). The annotation key is kept when it is a string.
/// </summary>
public sealed record RelatesTo(string RelType, string EventId, string? Key)
{
    public static RelatesTo? From(JsonObject content)
    {
        if (content["m.relates_to"] is not JsonObject relation) return null;
        var relType = StringOf(relation["rel_type"]);
        var eventId = StringOf(relation["event_id"]);
        if (string.IsNullOrEmpty(relType) || string.IsNullOrEmpty(eventId)) return null;
        return new RelatesTo(relType, eventId, StringOf(relation["key"]));
    }

    private static string? StringOf(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}
