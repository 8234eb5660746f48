using Matrix.Federation.Events;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Sync.Presence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Presence;

/// <summary>
/// Presence for a newly shared room (Synapse: presence to newly joined hosts), which change-driven sending misses: when a
/// remote user joins, their server gets the presence of the room's local members; when one of ours joins, the room's
/// other servers get theirs. A join that follows a join (a profile change) shares nothing new.
/// </summary>
public sealed class PresenceForNewMembers(HomeserverDbContext db, EventStore events, PresenceService presence, PresenceFederationSender sender,
    HomeserverOptions options) : INotificationHandler<RoomEventsPersisted>
{
    public async ValueTask Handle(RoomEventsPersisted notification, CancellationToken cancellationToken)
    {
        if (!presence.Enabled || !options.Federation.Enabled) return;
        var joins = notification.Events.Select(e => e.Pdu).Where(p => p.Membership == Memberships.Join && p.StateKey is not null).ToList();
        if (joins.Count == 0) return;

        var room = notification.Room;
        foreach (var join in joins)
        {
            if (await WasJoinedAsync(join, cancellationToken)) continue;
            var userId = join.StateKey!;
            if (IsLocal(userId))
            {
                foreach (var server in room.JoinedServers.Where(s => s != options.ServerName)) sender.IntroduceLater(server, [userId], PresenceFederationSender.JoinedIntroductionDelay);
            }
            else
            {
                var locals = room.Members.Where(m => m.Membership == Memberships.Join && IsLocal(m.UserId)).Select(m => m.UserId).ToList();
                if (locals.Count > 0) sender.IntroduceLater(RequestIds.ServerOf(userId), locals, PresenceFederationSender.IntroductionDelay);
            }
        }
    }

    private bool IsLocal(string userId) => UserIds.IsLocal(userId, options.ServerName);

    /// <summary>Whether the member event replaced a join (the user's membership did not change).</summary>
    private async Task<bool> WasJoinedAsync(Pdu join, CancellationToken cancellationToken)
    {
        var replaced = await db.Events.AsNoTracking().Where(e => e.EventId == join.EventId).Select(e => e.ReplacesState).FirstOrDefaultAsync(cancellationToken);
        return replaced is not null && (await events.GetAsync(db, replaced, cancellationToken))?.Membership == Memberships.Join;
    }
}
