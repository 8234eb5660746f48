using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// The parts of the one path that membership over federation needs: events that another server must
/// sign before they are persisted (our invites of its users), templates for another server's users
/// (make_join, make_leave, make_knock), and memberships of our users in rooms this server is not in.
/// </summary>
public sealed partial class RoomEventWriter
{
    /// <summary>
    /// Builds and signs a local event on the room's current state, authorized (403 otherwise) and signed by the room's
    /// Policy Server if it uses one, without persisting it. Persist the countersigned event with <see cref="PersistRemoteAsync"/> and
    /// <see cref="IncomingEvent.BuiltHere"/>.
    /// </summary>
    public async Task<Pdu> BuildAsync(string roomId, EventDraft draft, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var session = await OpenSessionAsync(db, roomId, cancellationToken, write: false);
        return await WithPolicySignatureAsync(db, session, await BuildAuthorizedAsync(db, session, draft, signed: true, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// The event another server's user would send, built on the room's current state and allowed by the
    /// auth rules (403 otherwise), without event ID, hashes or signatures: the joining, leaving or knocking
    /// server fills it in and signs it.
    /// </summary>
    public async Task<JsonObject> BuildTemplateAsync(string roomId, EventDraft draft, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var session = await OpenSessionAsync(db, roomId, cancellationToken, write: false);
        var template = (JsonObject)(await BuildAuthorizedAsync(db, session, draft, signed: false, cancellationToken)).Json.DeepClone();
        template.Remove(PduKeys.Signatures);
        return template;
    }

    /// <summary>
    /// A local user's membership in a room this server is not in (an invite received over federation, our knock,
    /// our rejection of an invite): the event is stored as an outlier (it carries no state we know) and becomes the
    /// user's membership in room_memberships at a new stream position, so sync shows the room in the invite, knock
    /// or leave section. The room must be registered (<see cref="EnsureRoomAsync"/>). An event already in the
    /// room's timeline is left as it is. Returns false when nothing changed.
    /// </summary>
    public async Task<bool> PersistOutOfBandMembershipAsync(Pdu pdu, CancellationToken cancellationToken)
    {
        if (pdu.Membership is null) throw new ArgumentException("not a membership event", nameof(pdu));
        using var roomLock = await locks.AcquireAsync(pdu.RoomId, cancellationToken);
        heads.Forget(pdu.RoomId);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = await db.Events.AsNoTracking().Where(e => e.EventId == pdu.EventId).Select(e => new { e.Outlier }).FirstOrDefaultAsync(cancellationToken);
        if (stored is { Outlier: false }) return false;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        using (var position = streams.Next())
        {
            if (stored is null)
            {
                var row = EventRows.Insert(db, pdu, streamOrdering: null, outlier: true, rejectedReason: null, softFailed: false);
                await db.SaveChangesAsync(cancellationToken);
                EventRows.AddEdges(db, row, pdu);
            }

            await EventRows.SetMembershipAsync(db, changes, pdu, position.Position, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        events.Remember(pdu);
        // The membership changed outside the room's state: a snapshot cached by its state group is stale.
        snapshots.Forget(pdu.RoomId);
        notifier.NotifyUser(pdu.StateKey!);
        return true;
    }
}
