using Matrix.Federation.Events;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Reading;

/// <summary>
/// A user allowed to read a room's events. <see cref="LeftAt"/> is the stream position of their leave
/// (or ban) when they departed a room that is not world-readable: pagination never looks past it.
/// <see cref="Membership"/> is their membership now (null: none), which history visibility need not read again.
/// </summary>
public sealed record RoomReader(string RoomId, string UserId, long? LeftAt, string? Membership)
{
    /// <summary>The reader's membership by room, for <see cref="EventVisibility"/> not to read again.</summary>
    public IReadOnlyDictionary<string, string?> Memberships => new Dictionary<string, string?>(StringComparer.Ordinal) { [RoomId] = Membership };
}

/// <summary>
/// Who may read a room's history at all, as Synapse decides it before any event is filtered: members,
/// users who left (they keep what they saw; a banned user does not), and anyone when the room is world-readable.
/// Which events each of them sees is then <see cref="EventVisibility"/>'s call.
/// </summary>
public sealed class RoomAccess(RoomStateReader state, EventVisibility visibility)
{
    public async Task<RoomReader> EnsureCanReadAsync(HomeserverDbContext db, string roomId, string userId, CancellationToken cancellationToken)
    {
        var membership = await db.RoomMemberships.AsNoTracking()
            .Where(m => m.RoomId == roomId && m.UserId == userId)
            .Select(m => new { m.Membership, m.StreamOrdering })
            .FirstOrDefaultAsync(cancellationToken);
        if (membership?.Membership == Memberships.Join) return new RoomReader(roomId, userId, null, Memberships.Join);
        if (await state.IsWorldReadableAsync(db, roomId, cancellationToken)) return new RoomReader(roomId, userId, null, membership?.Membership);
        if (membership?.Membership == Memberships.Leave) return new RoomReader(roomId, userId, membership.StreamOrdering, Memberships.Leave);
        throw MatrixException.Forbidden("You aren't a member of the room");
    }

    /// <summary>
    /// 404 M_NOT_FOUND unless the event is an accepted event of the room that the user may see: an
    /// unknown event, one of another room and a hidden one get the same answer, so none is told apart.
    /// Returns the event's position in the room's timeline (null for an outlier). A <paramref name="reader"/>
    /// from <see cref="EnsureCanReadAsync"/> spares reading the user's membership again.
    /// </summary>
    public async Task<long?> EnsureEventVisibleAsync(HomeserverDbContext db, string roomId, string userId, string eventId, CancellationToken cancellationToken,
        RoomReader? reader = null)
    {
        var found = await db.Events.AsNoTracking()
            .Where(e => e.EventId == eventId && e.RoomId == roomId && e.RejectedReason == null && !e.SoftFailed)
            .Select(e => new { Row = new VisibilityRow(e.EventId, e.RoomId, e.StateGroup, e.ReplacesState, e.Type, e.StateKey), e.StreamOrdering, e.Outlier })
            .FirstOrDefaultAsync(cancellationToken);
        if (found is null) throw MatrixException.NotFound("Event not found.");
        var known = reader is not null && reader.RoomId == roomId && reader.UserId == userId
            ? new VisibilityKnown([found.Row], reader.Memberships)
            : new VisibilityKnown([found.Row], new Dictionary<string, string?>());
        if ((await visibility.FilterAsync(db, roomId, userId, [eventId], cancellationToken, known)).Count == 0) throw MatrixException.NotFound("Event not found.");

        return found.Outlier ? null : found.StreamOrdering;
    }
}
