using Matrix.Federation.Events;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Membership;

/// <summary>
/// The spec's guest access rule: once a room's <c>m.room.guest_access</c> stops being <c>can_join</c> (set here or by
/// another server), this server sets its guests' membership to leave. Each guest leaves by itself, as Synapse does it
/// (a user's own leave needs no power level), in the background: the listener runs within the room's write, which the
/// leaves go through.
/// </summary>
public sealed class GuestAccessRevocation(IServiceScopeFactory scopes, IHostApplicationLifetime lifetime, HomeserverOptions options,
    ILogger<GuestAccessRevocation> logger) : INotificationHandler<RoomEventsPersisted>
{
    public ValueTask Handle(RoomEventsPersisted notification, CancellationToken cancellationToken)
    {
        if (notification.Events.Any(e => e.Pdu.Type == EventTypes.GuestAccess && e.Pdu.StateKey == ""))
        {
            _ = Task.Run(() => RemoveGuestsAsync(notification.RoomId, lifetime.ApplicationStopping), CancellationToken.None);
        }

        return default;
    }

    private async Task RemoveGuestsAsync(string roomId, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<HomeserverDbContext>();
            // The room's current state decides: a later event may have given guests access again.
            if (await scope.ServiceProvider.GetRequiredService<RoomStateReader>().GuestsMayJoinAsync(db, roomId, cancellationToken)) return;

            var suffix = ":" + options.ServerName;
            var guests = await db.RoomMemberships.AsNoTracking()
                .Where(m => m.RoomId == roomId && m.Membership == Memberships.Join && m.UserId.EndsWith(suffix))
                .Join(db.Users.Where(u => u.IsGuest), m => m.UserId, u => u.UserId, (m, _) => m.UserId)
                .ToListAsync(cancellationToken);
            var membership = scope.ServiceProvider.GetRequiredService<RoomMembershipService>();
            foreach (var guest in guests)
            {
                await membership.ApplyAsync(new MembershipChange(roomId, guest, guest, MembershipAction.Leave), cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Guests could not be removed from {RoomId} after its guest access was revoked", roomId);
        }
    }
}
