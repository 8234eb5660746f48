using Matrix.Federation.Events;

namespace Matrix.Federation.Auth;

/// <summary>
/// The events an event is authorized by. In v12 the create event is not listed in auth_events but is
/// implied by the room ID (its event ID with a '!' sigil), so every walk of auth edges adds it.
/// </summary>
public static class AuthEventReferences
{
    /// <summary>The create event a v12 room ID names: the room ID with '$' for '!'.</summary>
    public static string CreateEventIdForRoom(string roomId) => "$" + roomId[1..];

    /// <summary>Whether <paramref name="pdu"/> is its room's create event (type m.room.create, empty state key).</summary>
    public static bool IsCreateEvent(Pdu pdu) => pdu.Type == EventTypes.Create && pdu.StateKey == "";

    /// <summary>The listed auth_events plus, in v12 for every event but the create, the implied create event.</summary>
    public static IReadOnlyList<string> Of(Pdu pdu)
    {
        if (!pdu.Version.RoomIdIsCreateEventHash || IsCreateEvent(pdu) || pdu.RoomId.Length < 2) return pdu.AuthEvents;

        var createId = CreateEventIdForRoom(pdu.RoomId);
        if (pdu.AuthEvents.Contains(createId)) return pdu.AuthEvents;
        var all = new string[pdu.AuthEvents.Count + 1];
        for (var i = 0; i < pdu.AuthEvents.Count; i++) all[i] = pdu.AuthEvents[i];
        all[^1] = createId;
        return all;
    }
}
