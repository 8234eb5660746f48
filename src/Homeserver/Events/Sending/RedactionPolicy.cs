using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Sending;

/// <summary>
/// Who may redact what, checked before a local redaction is sent (the auth rules only check that the
/// sender may send m.room.redaction; since room v3 whether it applies to the target is the server's
/// call). As Synapse: a user with the redact power level may redact anything, even an event this server
/// has not seen; otherwise only their own events, or, for server admins, events of local users. An
/// event of another room is refused (400). Create and server ACL events are never redacted.
/// </summary>
public sealed class RedactionPolicy(RoomStateReader state, Configuration.HomeserverOptions options)
{
    /// <param name="ownOnly">A suspended redacter: only its own events (403 M_USER_SUSPENDED for any other).</param>
    public async Task CheckAsync(HomeserverDbContext db, string roomId, string redacter, string targetId, CancellationToken cancellationToken,
        bool ownOnly = false)
    {
        var found = await db.Events.AsNoTracking()
            .Where(e => e.EventId == targetId && e.RejectedReason == null)
            .Select(e => new { e.RoomId, e.Type, e.Sender, e.StateKey })
            .FirstOrDefaultAsync(cancellationToken);
        // As Synapse: a redaction in one room cannot name another room's event (it would never apply there).
        if (found is not null && found.RoomId != roomId) throw new MatrixException(400, ErrorCodes.Unknown, "Cannot redact event from a different room");
        var target = found;
        if (target?.Type == EventTypes.Create && target.StateKey == "") throw MatrixException.Forbidden("Redacting create events is not permitted");
        if (target?.Type == EventTypes.ServerAcl && target.StateKey == "") throw MatrixException.Forbidden("Redacting server ACL events is not permitted");
        if (ownOnly && target?.Sender != redacter) throw RestrictedAccess.SuspendedError();

        var create = await state.GetStateEventAsync(db, roomId, EventTypes.Create, "", cancellationToken);
        var powerLevels = await state.GetStateEventAsync(db, roomId, EventTypes.PowerLevels, "", cancellationToken);
        var levels = PowerLevels.From(create, powerLevels);
        if (levels.UserLevel(redacter) >= levels.Redact) return;

        if (target is null) throw MatrixException.NotFound("Could not find the event to redact");
        if (target.Sender == redacter) return;
        if (target.Sender.EndsWith(":" + options.ServerName, StringComparison.Ordinal)
            && await AdminAccess.IsServerAdminAsync(db, redacter, cancellationToken))
        {
            return;
        }

        throw MatrixException.Forbidden("You don't have permission to redact events");
    }
}
