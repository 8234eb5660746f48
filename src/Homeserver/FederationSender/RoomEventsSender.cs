using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.FederationApi;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationSender;

/// <summary>
/// Queues each event this server built for every other server with a member joined to the room (current state,
/// right after the event), plus the server of a membership change's target (a kick or ban of the last user of a
/// server) but an invite's: that server got the invite through /invite and, not being in the room, takes no PDUs of
/// it (Synapse does not send them; SyTest's server fails on them).
/// </summary>
public sealed class RoomEventsSender(FederationOutbox sender)
    : INotificationHandler<RoomEventsToForward>
{
    public async ValueTask Handle(RoomEventsToForward notification, CancellationToken cancellationToken)
    {
        if (!notification.Local || notification.Events.Count == 0) return;
        var joined = notification.Room.JoinedServers;
        var items = notification.Events.SelectMany(e => Destinations(e.Pdu.Type, e.Pdu.StateKey, e.Pdu.Membership, joined).Select(d => (d, e.EventId)));
        await sender.EnqueuePdusAsync(items, notification.Events.Max(e => e.StreamPosition), cancellationToken);
    }

    /// <summary>The servers an event goes to (ours among them when we are joined: the sender leaves it out).</summary>
    public static IEnumerable<string> Destinations(string type, string? stateKey, string? membership, IReadOnlySet<string> joined) =>
        type == EventTypes.Member && stateKey is not null && membership != Memberships.Invite
            ? joined.Append(RoomServers.ServerOf(stateKey)).Distinct(StringComparer.Ordinal)
            : joined;
}
