using Matrix.Federation.Events;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.KeysDeviceLists;

/// <summary>
/// After a membership leaves a joined state, the remote users who may no longer share a room with any of
/// our users (the one who left, or everyone in the room when one of ours left) are checked, and forgotten
/// by the device-list cache when nobody here shares a room with them: their servers stop sending us
/// updates, so a later shared room must start from a fresh /user/devices (Synapse's unsubscribe).
/// </summary>
public sealed class UnsharedUsersForgetter(HomeserverDbContext db, RemoteDeviceLists lists, HomeserverOptions options) : INotificationHandler<RoomEventsPersisted>
{
    public async ValueTask Handle(RoomEventsPersisted notification, CancellationToken cancellationToken)
    {
        var departed = notification.Events.Select(e => e.Pdu)
            .Where(p => p.StateKey is not null && p.Membership is Memberships.Leave or Memberships.Ban)
            .Select(p => p.StateKey!).Distinct(StringComparer.Ordinal).ToList();
        if (departed.Count == 0) return;

        var candidates = departed.Where(u => !UserIds.IsLocal(u, options.ServerName)).ToHashSet(StringComparer.Ordinal);
        if (departed.Any(u => UserIds.IsLocal(u, options.ServerName)))
        {
            var suffix = ":" + options.ServerName;
            candidates.UnionWith(await db.RoomMemberships.AsNoTracking()
                .Where(m => m.RoomId == notification.RoomId && m.Membership == Memberships.Join && !m.UserId.EndsWith(suffix))
                .Select(m => m.UserId).ToListAsync(cancellationToken));
        }

        // Only users whose lists we hold need the check.
        var tracked = await db.Set<Storage.Entities.RemoteDeviceList>().AsNoTracking().Where(l => candidates.Contains(l.UserId)).Select(l => l.UserId)
            .ToListAsync(cancellationToken);
        await lists.ForgetUnsharedAsync(tracked, cancellationToken);
    }
}
