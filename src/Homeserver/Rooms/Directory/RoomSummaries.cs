using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Rooms.Membership;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Directory;

/// <summary>What the room directory, the space hierarchy and room summaries say about a room, from its current state.</summary>
public sealed record RoomSummary(string RoomId, RoomVersion? Version)
{
    public string? Name { get; init; }
    public string? Topic { get; init; }
    public string? CanonicalAlias { get; init; }
    public string? AvatarUrl { get; init; }

    /// <summary>Null when the room has no join rules event.</summary>
    public string? JoinRule { get; init; }
    public string? HistoryVisibility { get; init; }
    public bool GuestCanJoin { get; init; }
    public string? RoomType { get; init; }
    public string? Encryption { get; init; }
    public long NumJoinedMembers { get; init; }
    public IReadOnlyList<string> AllowedRoomIds { get; init; } = [];

    public bool WorldReadable => HistoryVisibility == "world_readable";

    /// <summary>The published room directory's chunk entry (PublishedRoomsChunk).</summary>
    public JsonObject ToChunk()
    {
        var chunk = new JsonObject
        {
            ["room_id"] = RoomId,
            ["num_joined_members"] = NumJoinedMembers,
            ["world_readable"] = WorldReadable,
            ["guest_can_join"] = GuestCanJoin,
        };
        AddIfSet(chunk, "name", Name);
        AddIfSet(chunk, "topic", Topic);
        AddIfSet(chunk, "canonical_alias", CanonicalAlias);
        AddIfSet(chunk, "avatar_url", AvatarUrl);
        AddIfSet(chunk, "join_rule", JoinRule);
        AddIfSet(chunk, "room_type", RoomType);
        return chunk;
    }

    /// <summary>The RoomSummary of the spec (hierarchy and /room_summary): the chunk plus version, encryption and allowed rooms.</summary>
    public JsonObject ToSummary()
    {
        var summary = ToChunk();
        AddIfSet(summary, "room_version", Version?.Id);
        AddIfSet(summary, "encryption", Encryption);
        if (AllowedRoomIds.Count > 0) summary["allowed_room_ids"] = new JsonArray([.. AllowedRoomIds.Select(r => JsonValue.Create(r))]);
        return summary;
    }

    /// <summary>
    /// A summary another server gave (a space hierarchy over federation), each field type-checked; null without a
    /// room ID. A version it names that this server does not know stays unknown (<see cref="Version"/> null).
    /// </summary>
    public static RoomSummary? FromJson(JsonObject json)
    {
        if (JsonFields.String(json, "room_id") is not { } roomId) return null;
        return new RoomSummary(roomId, JsonFields.String(json, "room_version") is { } id ? RoomVersions.Find(id) : null)
        {
            Name = JsonFields.String(json, "name"),
            Topic = JsonFields.String(json, "topic"),
            CanonicalAlias = JsonFields.String(json, "canonical_alias"),
            AvatarUrl = JsonFields.String(json, "avatar_url"),
            JoinRule = JsonFields.String(json, "join_rule"),
            HistoryVisibility = Flag(json, "world_readable") ? "world_readable" : null,
            GuestCanJoin = Flag(json, "guest_can_join"),
            RoomType = JsonFields.String(json, "room_type"),
            Encryption = JsonFields.String(json, "encryption"),
            NumJoinedMembers = json["num_joined_members"] is JsonValue n && n.TryGetValue(out long count) && count >= 0 ? count : 0,
            AllowedRoomIds = JsonFields.Strings(json, "allowed_room_ids"),
        };
    }

    private static bool Flag(JsonObject json, string key) => json[key] is JsonValue v && v.TryGetValue(out bool flag) && flag;

    private static void AddIfSet(JsonObject json, string key, string? value)
    {
        if (value is not null) json[key] = value;
    }
}

/// <summary>Builds <see cref="RoomSummary"/> values in batches: one read of the relevant current state, one count of members.</summary>
public sealed class RoomSummaries(EventStore events)
{
    private static readonly string[] SummaryTypes =
    [
        EventTypes.Create, EventTypes.Name, EventTypes.Topic, EventTypes.Avatar, EventTypes.CanonicalAlias,
        EventTypes.JoinRules, EventTypes.HistoryVisibility, EventTypes.GuestAccess, EventTypes.Encryption,
    ];

    public async Task<Dictionary<string, RoomSummary>> LoadAsync(HomeserverDbContext db, IReadOnlyCollection<string> roomIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, RoomSummary>(StringComparer.Ordinal);
        foreach (var batch in roomIds.Distinct().Chunk(500))
        {
            var stateRows = await db.CurrentState.AsNoTracking()
                .Where(c => batch.Contains(c.RoomId) && c.StateKey == "" && SummaryTypes.Contains(c.Type))
                .Select(c => new { c.RoomId, c.Type, c.EventId }).ToListAsync(cancellationToken);
            var counts = await db.RoomMemberships.AsNoTracking()
                .Where(m => batch.Contains(m.RoomId) && m.Membership == Memberships.Join)
                .GroupBy(m => m.RoomId).Select(g => new { RoomId = g.Key, Count = g.Count() })
                .ToDictionaryAsync(g => g.RoomId, g => g.Count, cancellationToken);
            var pdus = await events.GetManyAsync(db, stateRows.Select(r => r.EventId), cancellationToken);

            foreach (var room in stateRows.GroupBy(r => r.RoomId))
            {
                var state = room.Where(r => pdus.ContainsKey(r.EventId)).ToDictionary(r => r.Type, r => pdus[r.EventId]);
                result[room.Key] = Summarize(room.Key, state, counts.GetValueOrDefault(room.Key));
            }
        }

        return result;
    }

    private static RoomSummary Summarize(string roomId, Dictionary<string, Pdu> state, long joined)
    {
        var create = state.GetValueOrDefault(EventTypes.Create);
        var joinRules = state.GetValueOrDefault(EventTypes.JoinRules);
        var version = create?.Version;
        var joinRule = JsonFields.String(joinRules, "join_rule");
        return new RoomSummary(roomId, version)
        {
            Name = JsonFields.String(state.GetValueOrDefault(EventTypes.Name), "name"),
            Topic = PlainTopic(state.GetValueOrDefault(EventTypes.Topic)),
            CanonicalAlias = JsonFields.String(state.GetValueOrDefault(EventTypes.CanonicalAlias), "alias"),
            AvatarUrl = JsonFields.String(state.GetValueOrDefault(EventTypes.Avatar), "url"),
            JoinRule = joinRule,
            HistoryVisibility = JsonFields.String(state.GetValueOrDefault(EventTypes.HistoryVisibility), "history_visibility"),
            GuestCanJoin = JsonFields.String(state.GetValueOrDefault(EventTypes.GuestAccess), "guest_access") == "can_join",
            RoomType = JsonFields.String(create, "type"),
            Encryption = JsonFields.String(state.GetValueOrDefault(EventTypes.Encryption), "algorithm"),
            NumJoinedMembers = joined,
            AllowedRoomIds = version is not null && RestrictedJoins.Applies(version, joinRule) ? RestrictedJoins.AllowedRooms(joinRules?.Content) : [],
        };
    }

    /// <summary>The text/plain topic: from m.topic (v1.15) when it has one, else the topic field.</summary>
    private static string? PlainTopic(Pdu? topic)
    {
        if (topic?.Content["m.topic"] is JsonObject rich && rich["m.text"] is JsonArray texts)
        {
            foreach (var text in texts.OfType<JsonObject>())
            {
                var mimetype = JsonFields.String(text, "mimetype") ?? "text/plain";
                if (mimetype == "text/plain" && JsonFields.String(text, "body") is { } body) return body;
            }
        }

        return JsonFields.String(topic, "topic");
    }
}
