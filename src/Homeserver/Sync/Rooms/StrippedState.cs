using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Rooms;

/// <summary>
/// invite_state and knock_state (spec: "Stripped state"): the create event (required since v1.16),
/// name, avatar, topic, join rules, canonical alias and encryption, the inviter's membership, and the
/// user's own invite or knock, all as stripped events. For a room this server is not in (an invite
/// over federation) the state the inviting server sent with the invite is used, pruned to the
/// stripped shape: servers must never pass it through as received.
/// </summary>
internal sealed class StrippedState(EventStore events)
{
    private static readonly string[] Types =
    [
        EventTypes.Create, EventTypes.Name, EventTypes.Avatar, EventTypes.Topic, EventTypes.JoinRules, EventTypes.CanonicalAlias, EventTypes.Encryption,
    ];

    /// <summary>Stripped state of each room, keyed by room ID, for the user's invite or knock events.</summary>
    public async Task<Dictionary<string, JsonArray>> BuildAsync(HomeserverDbContext db, IReadOnlyCollection<RoomPlan> plans, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, JsonArray>(StringComparer.Ordinal);
        if (plans.Count == 0) return result;
        var rooms = plans.Select(p => p.RoomId).ToList();
        var memberships = await events.GetManyAsync(db, plans.Select(p => p.MembershipEventId), cancellationToken);
        var inviters = memberships.Values.Select(p => p.Sender).Distinct().ToList();

        var state = await db.CurrentState.AsNoTracking()
            .Where(c => rooms.Contains(c.RoomId) && ((c.StateKey == "" && Types.Contains(c.Type)) || (c.Type == EventTypes.Member && inviters.Contains(c.StateKey))))
            .Select(c => new { c.RoomId, c.Type, c.StateKey, c.EventId })
            .ToListAsync(cancellationToken);
        var pdus = await events.GetManyAsync(db, state.Select(s => s.EventId), cancellationToken);
        var byRoom = state.ToLookup(s => s.RoomId);

        foreach (var plan in plans)
        {
            if (!memberships.TryGetValue(plan.MembershipEventId, out var own)) continue;
            var stripped = new JsonArray();
            var local = byRoom[plan.RoomId].Where(s => s.Type != EventTypes.Member || (s.StateKey == own.Sender && own.Sender != own.StateKey)).ToList();
            if (local.Any(s => s.Type == EventTypes.Create))
            {
                foreach (var s in local.OrderBy(s => Array.IndexOf(Types, s.Type)))
                {
                    if (pdus.TryGetValue(s.EventId, out var pdu)) stripped.Add(ClientEventFormat.Stripped(pdu));
                }
            }
            else
            {
                foreach (var remote in FromInvite(own)) stripped.Add(remote);
            }

            stripped.Add(ClientEventFormat.Stripped(own));
            result[plan.RoomId] = stripped;
        }

        return result;
    }

    /// <summary>The invite_room_state / knock_room_state the event arrived with, keeping only well-formed stripped events.</summary>
    private static IEnumerable<JsonObject> FromInvite(Pdu own)
    {
        var unsigned = own.Json["unsigned"] as JsonObject;
        var given = (unsigned?["invite_room_state"] ?? unsigned?["knock_room_state"]) as JsonArray;
        foreach (var node in given ?? [])
        {
            if (node is not JsonObject e || e["content"] is not JsonObject content) continue;
            if (!IsString(e["type"], out var type) || !IsString(e["state_key"], out var stateKey) || !IsString(e["sender"], out var sender)) continue;
            if (type == EventTypes.Member && stateKey == own.StateKey) continue;
            yield return new JsonObject { ["content"] = content.DeepClone(), ["sender"] = sender, ["state_key"] = stateKey, ["type"] = type };
        }
    }

    private static bool IsString(JsonNode? node, out string value)
    {
        value = "";
        if (node is not JsonValue v || !v.TryGetValue(out string? s)) return false;
        value = s;
        return true;
    }
}
