using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Rooms;

/// <summary>
/// A room as the admin API lists it (Synapse's room list entry): the room row, the state that
/// describes it, and member counts. Loaded in four queries for any number of rooms; content of
/// redacted state events is read redacted.
/// </summary>
public sealed class RoomAdminSummary
{
    private static readonly string[] DescriptiveTypes =
    [
        EventTypes.Create, EventTypes.Name, EventTypes.Topic, EventTypes.Avatar, EventTypes.CanonicalAlias, EventTypes.JoinRules,
        EventTypes.GuestAccess, EventTypes.HistoryVisibility, EventTypes.Encryption,
    ];

    public required string RoomId { get; init; }
    public required string Version { get; init; }
    public string? Creator { get; init; }
    public bool IsPublic { get; init; }
    public string? Name { get; private set; }
    public string? Topic { get; private set; }
    public string? Avatar { get; private set; }
    public string? CanonicalAlias { get; private set; }
    public string? JoinRules { get; private set; }
    public string? GuestAccess { get; private set; }
    public string? HistoryVisibility { get; private set; }
    public string? Encryption { get; private set; }
    public bool Federatable { get; private set; } = true;
    public string? RoomType { get; private set; }
    public int JoinedMembers { get; private set; }
    public int JoinedLocalMembers { get; private set; }
    public int StateEvents { get; private set; }

    /// <summary>Every room this server knows, or only <paramref name="onlyRoomId"/>.</summary>
    public static async Task<List<RoomAdminSummary>> LoadAsync(HomeserverDbContext db, string serverName, string? onlyRoomId, CancellationToken cancellationToken)
    {
        var roomRows = db.Rooms.AsNoTracking().Where(r => onlyRoomId == null || r.RoomId == onlyRoomId);
        var rooms = await roomRows
            .Select(r => new RoomAdminSummary { RoomId = r.RoomId, Version = r.RoomVersion, Creator = r.Creator, IsPublic = r.IsPublic })
            .ToDictionaryAsync(r => r.RoomId, StringComparer.Ordinal, cancellationToken);

        var current = db.CurrentState.AsNoTracking().Where(c => onlyRoomId == null || c.RoomId == onlyRoomId);
        var described = await current
            .Where(c => c.StateKey == "" && DescriptiveTypes.Contains(c.Type))
            .Join(db.Events, c => c.EventNid, e => e.Nid, (c, e) => new { c.RoomId, c.Type, e.Json, Redacted = e.RedactedBy != null })
            .ToListAsync(cancellationToken);
        foreach (var row in described)
        {
            if (!rooms.TryGetValue(row.RoomId, out var room)) continue;
            var pdu = JsonNode.Parse(row.Json)!.AsObject();
            if (row.Redacted && RoomVersions.Find(room.Version) is { } version) pdu = Redaction.Redact(pdu, version);
            room.Describe(row.Type, pdu["content"] as JsonObject ?? []);
        }

        var suffix = ":" + serverName;
        var members = await db.RoomMemberships.AsNoTracking()
            .Where(m => (onlyRoomId == null || m.RoomId == onlyRoomId) && m.Membership == Memberships.Join)
            .GroupBy(m => m.RoomId)
            .Select(g => new { RoomId = g.Key, Joined = g.Count(), Local = g.Count(m => m.UserId.EndsWith(suffix)) })
            .ToListAsync(cancellationToken);
        foreach (var count in members)
        {
            if (!rooms.TryGetValue(count.RoomId, out var room)) continue;
            room.JoinedMembers = count.Joined;
            room.JoinedLocalMembers = count.Local;
        }

        var stateCounts = await current.GroupBy(c => c.RoomId).Select(g => new { RoomId = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        foreach (var count in stateCounts)
        {
            if (rooms.TryGetValue(count.RoomId, out var room)) room.StateEvents = count.Count;
        }

        return [.. rooms.Values];
    }

    private void Describe(string type, JsonObject content)
    {
        string? Text(string key) => content[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        switch (type)
        {
            case EventTypes.Create:
                Federatable = content["m.federate"] is not JsonValue federate || !federate.TryGetValue<bool>(out var allowed) || allowed;
                RoomType = Text("type");
                break;
            case EventTypes.Name: Name = Text("name"); break;
            case EventTypes.Topic: Topic = Text("topic"); break;
            case EventTypes.Avatar: Avatar = Text("url"); break;
            case EventTypes.CanonicalAlias: CanonicalAlias = Text("alias"); break;
            case EventTypes.JoinRules: JoinRules = Text("join_rule"); break;
            case EventTypes.GuestAccess: GuestAccess = Text("guest_access"); break;
            case EventTypes.HistoryVisibility: HistoryVisibility = Text("history_visibility"); break;
            case EventTypes.Encryption: Encryption = Text("algorithm"); break;
        }
    }

    /// <summary>Synapse's room list entry.</summary>
    public JsonObject ToListEntry() => new()
    {
        ["room_id"] = RoomId,
        ["name"] = Name,
        ["canonical_alias"] = CanonicalAlias,
        ["joined_members"] = JoinedMembers,
        ["joined_local_members"] = JoinedLocalMembers,
        ["version"] = Version,
        ["creator"] = Creator,
        ["encryption"] = Encryption,
        ["federatable"] = Federatable,
        ["public"] = IsPublic,
        ["join_rules"] = JoinRules,
        ["guest_access"] = GuestAccess,
        ["history_visibility"] = HistoryVisibility,
        ["state_events"] = StateEvents,
        ["room_type"] = RoomType,
    };
}
