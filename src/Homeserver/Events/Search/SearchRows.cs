using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Search;

/// <summary>
/// Indexes the searchable text of an event inside the persisting transaction (spec "Server Side
/// Search": body of m.room.message, name of m.room.name, the topic of m.room.topic); on PostgreSQL the
/// one-command batch leaves it to <see cref="SearchIndexer"/>, just after the commit. Encrypted events
/// have none of these keys in the clear, so they are never indexed.
/// </summary>
internal static class SearchRows
{
    public const string BodyKey = "content.body";
    public const string NameKey = "content.name";
    public const string TopicKey = "content.topic";

    public static readonly IReadOnlyList<string> AllKeys = [BodyKey, NameKey, TopicKey];

    public static void Add(HomeserverDbContext db, Pdu pdu, long streamOrdering)
    {
        if (Extract(pdu) is not ({ } key, { } value)) return;
        db.Set<EventSearchEntry>().Add(new EventSearchEntry
        {
            EventId = pdu.EventId,
            RoomId = pdu.RoomId,
            Sender = pdu.Sender,
            Type = pdu.Type,
            Key = key,
            Value = value,
            StreamOrdering = streamOrdering,
            OriginServerTs = pdu.OriginServerTs,
        });
    }

    /// <summary>A redacted event's text leaves the index with it.</summary>
    public static Task RemoveAsync(HomeserverDbContext db, string eventId, CancellationToken cancellationToken) =>
        db.Set<EventSearchEntry>().Where(e => e.EventId == eventId).ExecuteDeleteAsync(cancellationToken);

    /// <summary>
    /// The search key and text of an event, or nulls when it has nothing to search. A NUL in the text becomes a space, as
    /// Synapse does: PostgreSQL refuses NUL in text, and the event itself keeps it (escaped in its JSON).
    /// </summary>
    internal static (string? Key, string? Value) Extract(Pdu pdu)
    {
        var (key, value) = ExtractText(pdu);
        return (key, value?.Replace('\0', ' '));
    }

    private static (string? Key, string? Value) ExtractText(Pdu pdu)
    {
        var content = pdu.Content;
        return pdu.Type switch
        {
            EventTypes.Message when NonEmpty(content["body"]) is { } body => (BodyKey, body),
            EventTypes.Name when pdu.StateKey == "" && NonEmpty(content["name"]) is { } name => (NameKey, name),
            EventTypes.Topic when pdu.StateKey == "" && TopicText(content) is { } topic => (TopicKey, topic),
            _ => (null, null),
        };
    }

    /// <summary>content.topic, plus the text/plain body of m.topic when it says something else.</summary>
    private static string? TopicText(JsonObject content)
    {
        var topic = NonEmpty(content["topic"]);
        var plain = (content["m.topic"] as JsonObject)?["m.text"] is JsonArray texts
            ? texts.OfType<JsonObject>()
                .Where(t => t["mimetype"] is null || NonEmpty(t["mimetype"]) == "text/plain")
                .Select(t => NonEmpty(t["body"])).FirstOrDefault(b => b is not null)
            : null;
        if (plain is null || plain == topic) return topic;
        return topic is null ? plain : topic + "\n" + plain;
    }

    private static string? NonEmpty(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0 ? s : null;
}
