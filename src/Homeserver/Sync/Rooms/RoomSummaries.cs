using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Rooms;

/// <summary>A joined room's summary: member counts, and heroes when the room has no name or alias.</summary>
internal sealed record RoomSummary(IReadOnlyList<string>? Heroes, int JoinedMembers, int InvitedMembers)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["m.joined_member_count"] = JoinedMembers, ["m.invited_member_count"] = InvitedMembers };
        if (Heroes is not null) json["m.heroes"] = new JsonArray([.. Heroes.Select(h => JsonValue.Create(h))]);
        return json;
    }
}

/// <summary>
/// Room summaries (spec: GET /sync, RoomSummary) as Synapse computes them: heroes only for rooms
/// without a name or canonical alias, the first five joined or invited members by stream order
/// other than the user, or when there are none the ones who left or were banned. Batched over rooms.
/// </summary>
internal sealed class RoomSummaries(EventStore events)
{
    public const int HeroCount = 5;

    public async Task<Dictionary<string, RoomSummary>> ComputeAsync(IDbSource source, string userId, IReadOnlyCollection<string> roomIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, RoomSummary>(StringComparer.Ordinal);
        if (roomIds.Count == 0) return result;
        var db = source.Db;
        var rooms = roomIds.ToList();

        var counts = (await db.RoomMemberships.AsNoTracking()
                .Where(m => rooms.Contains(m.RoomId) && (m.Membership == Memberships.Join || m.Membership == Memberships.Invite))
                .GroupBy(m => new { m.RoomId, m.Membership })
                .Select(g => new { g.Key.RoomId, g.Key.Membership, Count = g.Count() })
                .ToListAsync(cancellationToken))
            .ToDictionary(c => (c.RoomId, c.Membership), c => c.Count);

        var named = await NamedRoomsAsync(db, rooms, cancellationToken);
        var unnamed = rooms.Where(r => !named.Contains(r)).ToList();
        var heroes = await MembersAsync(db, userId, unnamed, [Memberships.Join, Memberships.Invite], cancellationToken);
        var withoutHeroes = unnamed.Where(r => !heroes.ContainsKey(r)).ToList();
        foreach (var (room, former) in await MembersAsync(db, userId, withoutHeroes, [Memberships.Leave, Memberships.Ban], cancellationToken))
        {
            heroes[room] = former;
        }

        foreach (var room in rooms)
        {
            result[room] = new RoomSummary(
                named.Contains(room) ? null : heroes.GetValueOrDefault(room) ?? [],
                counts.GetValueOrDefault((room, Memberships.Join)),
                counts.GetValueOrDefault((room, Memberships.Invite)));
        }

        return result;
    }

    /// <summary>Rooms whose m.room.name or canonical alias is set and not empty.</summary>
    private async Task<HashSet<string>> NamedRoomsAsync(HomeserverDbContext db, List<string> rooms, CancellationToken cancellationToken)
    {
        var ids = await db.CurrentState.AsNoTracking()
            .Where(c => rooms.Contains(c.RoomId) && c.StateKey == "" && (c.Type == EventTypes.Name || c.Type == EventTypes.CanonicalAlias))
            .Select(c => c.EventId).ToListAsync(cancellationToken);
        var pdus = await events.GetManyAsync(db, ids, cancellationToken);
        return pdus.Values
            .Where(p => NonEmpty(p.Content[p.Type == EventTypes.Name ? "name" : "alias"]))
            .Select(p => p.RoomId).ToHashSet(StringComparer.Ordinal);
    }

    private static bool NonEmpty(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0;

    /// <summary>The first members of each room with one of the memberships, by stream order, other than the user.</summary>
    private static async Task<Dictionary<string, List<string>>> MembersAsync(HomeserverDbContext db, string userId, List<string> rooms,
        string[] memberships, CancellationToken cancellationToken)
    {
        if (rooms.Count == 0) return new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var members = db.RoomMemberships.AsNoTracking().Where(m => m.UserId != userId && memberships.Contains(m.Membership));
        // A per-room subquery in the projection: EF Core runs it as one ROW_NUMBER() query.
        var rows = await db.Rooms.AsNoTracking().Where(r => rooms.Contains(r.RoomId))
            .Select(r => new { r.RoomId, Users = members.Where(m => m.RoomId == r.RoomId).OrderBy(m => m.StreamOrdering).Take(HeroCount).Select(m => m.UserId).ToList() })
            .ToListAsync(cancellationToken);
        return rows.Where(r => r.Users.Count > 0).ToDictionary(r => r.RoomId, r => r.Users, StringComparer.Ordinal);
    }
}
