using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Auth;

/// <summary>Auth rule 1: an m.room.create event is judged on its own, with no room state.</summary>
internal static class CreateRules
{
    public static AuthResult Check(Pdu create)
    {
        var version = create.Version;
        if (create.PrevEvents.Count > 0) return AuthResult.Reject("m.room.create: has prev_events");

        if (version.RoomIdIsCreateEventHash)
        {
            if (create.Json.ContainsKey("room_id")) return AuthResult.Reject("m.room.create: has a room_id (v12 derives it from the event ID)");
        }
        else if (UserIds.Domain(create.RoomId) is var roomDomain && (roomDomain.Length == 0 || roomDomain != create.SenderDomain))
        {
            return AuthResult.Reject("m.room.create: the room ID's domain is not the sender's domain");
        }

        if (create.Content.TryGetPropertyValue("room_version", out var roomVersion)
            && !(roomVersion is JsonValue v && v.TryGetValue(out string? id) && RoomVersions.IsKnown(id)))
        {
            return AuthResult.Reject("m.room.create: content.room_version is not a known room version");
        }

        if (!version.ImplicitRoomCreator && !create.Content.ContainsKey("creator"))
        {
            return AuthResult.Reject("m.room.create: content has no creator");
        }

        if (version.PrivilegedCreators
            && create.Content.TryGetPropertyValue("additional_creators", out var additional)
            && !IsArrayOfUserIds(additional))
        {
            return AuthResult.Reject("m.room.create: additional_creators is not an array of valid user IDs");
        }

        return AuthResult.Allowed;
    }

    private static bool IsArrayOfUserIds(JsonNode? node) =>
        node is JsonArray array
        && array.All(entry => entry is JsonValue v && v.TryGetValue(out string? userId) && UserIds.IsValid(userId));
}
