using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Push.Notifications;

/// <summary>
/// The thread an event belongs to, for threaded notification counts (spec: "Receiving notifications"):
/// follow m.relates_to, at most three hops, until an m.thread relation names the root; a reaction to a
/// thread reply is then in that thread too. Anything else is in the main timeline.
/// </summary>
public sealed class EventThreads(EventStore events)
{
    /// <summary>The thread ID of the main timeline, as threaded read receipts name it.</summary>
    public const string Main = "main";

    public const int MaxHops = 3;

    public async Task<string> ThreadOfAsync(HomeserverDbContext db, Pdu pdu, CancellationToken cancellationToken)
    {
        var content = pdu.Content;
        for (var hop = 0; hop < MaxHops; hop++)
        {
            if (content["m.relates_to"] is not JsonObject relation || relation["event_id"] is not JsonValue target
                || !target.TryGetValue(out string? parent)) return Main;
            if (relation["rel_type"] is JsonValue type && type.TryGetValue(out string? relType) && relType == "m.thread") return parent;
            var related = await events.GetAsync(db, parent, cancellationToken);
            if (related is null || related.RoomId != pdu.RoomId) return Main;
            content = related.Content;
        }

        return Main;
    }
}
