using System.Collections.Immutable;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.State;

/// <summary>
/// Which state of a room a user may read (GET /state, /members, /joined_members): the current state
/// for joined users; for users who left after being joined, the state when they left (not for a banned user, as
/// Synapse: only a leave keeps that access);
/// the current state of a world_readable room for anyone; nothing (403) for everyone else, whether
/// or not the room exists, so that state and members never leak to non-members.
/// </summary>
public sealed class RoomStateAccess(RoomStateReader reader, StateGroupStore stateGroups, EventVisibility visibility, Events.Storage.EventStore events)
{
    /// <summary>How the user relates to the room now.</summary>
    public enum Standing
    {
        Joined,
        Departed,
        WorldReadable,
    }

    /// <summary>Throws 403 unless the user may read the room's state; says on which grounds.</summary>
    public async Task<(Standing Standing, string? MembershipEventId)> CheckAsync(HomeserverDbContext db, string roomId, string userId, CancellationToken cancellationToken)
    {
        var membership = await db.RoomMemberships.AsNoTracking().FirstOrDefaultAsync(m => m.RoomId == roomId && m.UserId == userId, cancellationToken);
        if (membership?.Membership == Memberships.Join) return (Standing.Joined, membership.EventId);
        if (membership is { Membership: Memberships.Leave, Forgotten: false } && await WasJoinedAsync(db, membership.EventId, cancellationToken))
        {
            return (Standing.Departed, membership.EventId);
        }

        if (await reader.IsWorldReadableAsync(db, roomId, cancellationToken)) return (Standing.WorldReadable, null);
        throw MatrixException.Forbidden($"User {userId} not in room {roomId}, and room previews are disabled");
    }

    /// <summary>
    /// The state (key → event ID) the user may read, optionally as of a timeline position (/members?at=):
    /// the state after the last event at or before it, if the user may see that event.
    /// </summary>
    public async Task<IReadOnlyDictionary<StateKey, string>> GetStateAsync(HomeserverDbContext db, string roomId, string userId, RoomStreamToken? at, CancellationToken cancellationToken)
    {
        var (standing, membershipEventId) = await CheckAsync(db, roomId, userId, cancellationToken);
        long? departedAt = standing == Standing.Departed
            ? await db.Events.AsNoTracking().Where(e => e.EventId == membershipEventId).Select(e => e.StreamOrdering).FirstAsync(cancellationToken)
            : null;

        if (at is null)
        {
            return departedAt is null
                ? await reader.GetCurrentStateIdsAsync(db, roomId, cancellationToken)
                : await StateAfterAsync(db, membershipEventId!, cancellationToken);
        }

        var limit = departedAt is { } left ? Math.Min(left, at.Value.Position) : at.Value.Position;
        // The last timeline event by then (what the token's timeline showed: soft-failed events are not in it).
        var eventId = await RoomTimeline.Events(db, roomId).Where(e => e.StreamOrdering <= limit && e.StateGroup != null)
            .OrderByDescending(e => e.StreamOrdering).Select(e => e.EventId).FirstOrDefaultAsync(cancellationToken)
            ?? throw MatrixException.NotFound($"No event in the room at {at}");
        if ((await visibility.FilterAsync(db, roomId, userId, [eventId], cancellationToken)).Count == 0)
        {
            throw MatrixException.Forbidden($"User {userId} may not view the room at {at}");
        }

        return await StateAfterAsync(db, eventId, cancellationToken);
    }

    private async Task<ImmutableDictionary<StateKey, string>> StateAfterAsync(HomeserverDbContext db, string eventId, CancellationToken cancellationToken)
    {
        var group = await db.Events.AsNoTracking().Where(e => e.EventId == eventId).Select(e => e.StateGroup).FirstAsync(cancellationToken);
        return group is { } g ? await stateGroups.LoadAsync(db, g, cancellationToken) : ImmutableDictionary<StateKey, string>.Empty;
    }

    /// <summary>Whether the membership this leave or ban replaced was a join (not a rejected invite or knock).</summary>
    private async Task<bool> WasJoinedAsync(HomeserverDbContext db, string membershipEventId, CancellationToken cancellationToken)
    {
        var replaced = await db.Events.AsNoTracking().Where(e => e.EventId == membershipEventId).Select(e => e.ReplacesState).FirstOrDefaultAsync(cancellationToken);
        if (replaced is null) return false;
        return (await events.GetAsync(db, replaced, cancellationToken))?.Membership == Memberships.Join;
    }
}
