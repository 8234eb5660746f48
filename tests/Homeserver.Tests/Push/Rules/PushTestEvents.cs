using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Push.Rules;

namespace Matrix.Homeserver.Tests.Push.Rules;

/// <summary>Events and room facts for the evaluator tables.</summary>
internal static class PushTestEvents
{
    public const string Alice = "@alice:example.org";
    public const string Bob = "@bob:example.org";
    public const string RoomId = "!room:example.org";

    /// <summary>Bob has power 50, Alice the default 0; the room's "room" notification level is 50 unless given.</summary>
    public static PowerLevels Levels(long? roomNotificationLevel = null)
    {
        var content = new JsonObject { ["users"] = new JsonObject { [Bob] = 50 } };
        if (roomNotificationLevel is { } level) content["notifications"] = new JsonObject { ["room"] = level };
        // Parsed from text, as stored events are: the PDU reader wants JSON numbers, not CLR ones.
        var json = JsonNode.Parse($$"""
            {"type":"{{EventTypes.PowerLevels}}","state_key":"","sender":"{{Bob}}","room_id":"{{RoomId}}","content":{{content.ToJsonString()}},
             "prev_events":[],"auth_events":[],"depth":1,"origin_server_ts":0}
            """)!.AsObject();
        return PowerLevels.From(null, Pdu.FromJson(json, "$levels", RoomVersions.V10));
    }

    /// <summary>An event of <paramref name="type"/> from <paramref name="sender"/> with the given content (and state key).</summary>
    public static PushEvent Event(string type, string content, string sender = Bob, string? stateKey = null, long members = 5, PowerLevels? levels = null)
    {
        var json = new JsonObject
        {
            ["type"] = type, ["sender"] = sender, ["room_id"] = RoomId, ["content"] = JsonNode.Parse(content),
        };
        if (stateKey is not null) json["state_key"] = stateKey;
        return new PushEvent(json, members, levels ?? Levels());
    }

    public static PushEvent Message(string body, string extra = "", string sender = Bob, long members = 5, PowerLevels? levels = null) =>
        Event("m.room.message", $$"""{"msgtype":"m.text","body":{{JsonValue.Create(body).ToJsonString()}}{{extra}}}""", sender, null, members, levels);
}
