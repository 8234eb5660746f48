using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Admin.Rooms;
using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.FederationApi;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Remote;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Membership;

/// <summary>
/// Every membership change of local users (join, invite, leave, kick, ban, unban, knock), as
/// Synapse's room member handler does it: server-side checks that give clear errors first, the
/// target's profile in the content, restricted-join authorisation, then one event through
/// <see cref="RoomEventWriter"/>, whose auth rules have the last word (403 when they refuse).
/// </summary>
public sealed class RoomMembershipService(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    RoomEventWriter writer,
    EventStore events,
    RoomStateReader state,
    RestrictedJoins restrictedJoins,
    IRemoteRooms remote,
    SyncNotifier notifier,
    StreamIdGenerator streams,
    StreamChanges changes,
    HomeserverOptions options,
    AppServiceQueries appServiceQueries,
    RoomBlocks blocks,
    RoomServers servers)
{
    /// <summary>Applies the change; returns the ID of the membership event (the existing one when nothing changes).</summary>
    public async Task<string> ApplyAsync(MembershipChange change, CancellationToken cancellationToken)
    {
        // An application service may create the local user it is asked about (before its profile goes in the invite).
        if (change.Action == MembershipAction.Invite) await appServiceQueries.UserExistsAsync(change.Target, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var roomId = change.RoomId;
        var version = await events.GetRoomVersionAsync(db, roomId, cancellationToken);
        var content = await BuildContentAsync(db, change, cancellationToken);
        if (change.Action is MembershipAction.Join or MembershipAction.Invite or MembershipAction.Knock)
        {
            await blocks.ThrowIfBlockedAsync(db, roomId, cancellationToken);
        }

        // This server takes part in a room while one of its users is joined; otherwise another server must help.
        if (version is null || !await IsServerInRoomAsync(db, roomId, cancellationToken))
        {
            switch (change.Action)
            {
                case MembershipAction.Join:
                    var joined = await remote.JoinAsync(roomId, change.Target, change.Servers, content, cancellationToken);
                    await LeaveUnlessGuestsMayJoinAsync(change, cancellationToken);
                    return joined;
                case MembershipAction.Knock:
                    return await remote.KnockAsync(roomId, change.Target, change.Servers, content, cancellationToken);
                case MembershipAction.Leave when version is not null:
                    // Rejecting an invite or withdrawing a knock: only the room's servers can take the leave.
                    return await remote.LeaveAsync(roomId, change.Target, content, cancellationToken);
                case not MembershipAction.Leave when version is null:
                    throw MatrixException.NotFound("Unknown room");
                case MembershipAction.Leave when version is null:
                    throw MatrixException.NotFound("Not a known room");
            }
        }

        var current = await db.RoomMemberships.AsNoTracking()
            .FirstOrDefaultAsync(m => m.RoomId == roomId && m.UserId == change.Target, cancellationToken);
        CheckTransition(change, current?.Membership);
        // The spec: the invite into a server notices room cannot be rejected.
        if (change.Action == MembershipAction.Leave && change.Sender == change.Target && current is { Membership: Memberships.Invite }
            && current.Sender == ServerNotices.ServerNoticeRooms.SystemUserId(options))
        {
            throw new MatrixException(403, ErrorCodes.CannotLeaveServerNoticeRoom, "You cannot reject this invite");
        }
        if (current is not null && await IsRepeatAsync(db, current, change.Sender, content, cancellationToken)) return current.EventId;

        if (change.Action == MembershipAction.Join) await PrepareJoinAsync(db, change, version!, current?.Membership, content, cancellationToken);
        // A local user may block every invite (a remote one's server answers the same for its users).
        if (change.Action == MembershipAction.Invite && RequestIds.IsLocal(change.Target, options.ServerName)
            && await InvitePermission.BlocksInvitesAsync(db, change.Target, cancellationToken))
        {
            throw InvitePermission.Blocked(change.Target);
        }

        var draft = EventDraft.Member(change.Target, change.Sender, change.Membership, content);
        if (change.Action == MembershipAction.Invite && !RequestIds.IsLocal(change.Target, options.ServerName))
        {
            return await remote.InviteAsync(roomId, draft, cancellationToken);
        }

        var persisted = await writer.SendAsync(roomId, [draft], cancellationToken);
        return persisted[0].EventId;
    }

    /// <summary>POST /forget: only once the user has left (or been banned); the room then drops out of their sync.</summary>
    public async Task ForgetAsync(string roomId, string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var membership = await db.RoomMemberships.FirstOrDefaultAsync(m => m.RoomId == roomId && m.UserId == userId, cancellationToken);
        if (membership is null) return;
        if (membership.Membership is not (Memberships.Leave or Memberships.Ban))
        {
            throw new MatrixException(400, ErrorCodes.Unknown, $"User {userId} is in room {roomId}");
        }

        // A position of its own, so the sync's cache of the user's memberships sees the change.
        using (var position = streams.Next())
        {
            changes.Memberships.Mark(userId, position.Position);
            membership.Forgotten = true;
            await db.SaveChangesAsync(cancellationToken);
        }

        notifier.NotifyUser(userId);
    }

    /// <summary>The transitions Synapse refuses before the auth rules, with a clearer error than theirs.</summary>
    private static void CheckTransition(MembershipChange change, string? current)
    {
        if (change.Action == MembershipAction.Unban && current != Memberships.Ban)
        {
            throw new MatrixException(403, ErrorCodes.BadState, $"Cannot unban a user who is not banned (membership={current ?? "none"})");
        }

        if (current == Memberships.Ban && change.Action is MembershipAction.Join or MembershipAction.Invite or MembershipAction.Knock)
        {
            throw MatrixException.Forbidden($"{change.Target} is banned from the room");
        }

        if (change.Action == MembershipAction.Kick && current is null or Memberships.Leave or Memberships.Ban)
        {
            throw MatrixException.Forbidden("The target user is not in the room");
        }
    }

    /// <summary>The same sender asking for the same membership with the same content changes nothing.</summary>
    private async Task<bool> IsRepeatAsync(HomeserverDbContext db, RoomMembership current, string sender, JsonObject content, CancellationToken cancellationToken)
    {
        if (current.Sender != sender || current.Membership != JsonFields.String(content, "membership")) return false;
        var previous = await events.GetAsync(db, current.EventId, cancellationToken);
        return previous is not null && JsonFields.SameContent(previous.Content, content);
    }

    private async Task<JsonObject> BuildContentAsync(HomeserverDbContext db, MembershipChange change, CancellationToken cancellationToken)
    {
        var content = change.Content is null ? new JsonObject() : (JsonObject)change.Content.DeepClone();
        // Only the server sets who vouched for a restricted join; a client's copy is never signed for.
        content.Remove(AuthEventSelection.JoinAuthorisedViaKey);
        content["membership"] = change.Membership;
        if (change.Reason is not null) content["reason"] = change.Reason;
        if (change.AddProfile && change.Action is MembershipAction.Join or MembershipAction.Invite or MembershipAction.Knock
            && RequestIds.IsLocal(change.Target, options.ServerName))
        {
            await MemberProfiles.AddMissingAsync(db, change.Target, content, cancellationToken);
        }

        return content;
    }

    /// <summary>
    /// A guest's join of a room this server was not in: the room's guest access is known only once joined (invites do
    /// not carry it), so a guest who may not be there leaves at once and is refused, as a local room refuses them.
    /// </summary>
    private async Task LeaveUnlessGuestsMayJoinAsync(MembershipChange change, CancellationToken cancellationToken)
    {
        if (!change.SenderIsGuest) return;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (await state.GuestsMayJoinAsync(db, change.RoomId, cancellationToken)) return;
        }

        await ApplyAsync(new MembershipChange(change.RoomId, change.Target, change.Target, MembershipAction.Leave), cancellationToken);
        throw MatrixException.Forbidden("Guest access not allowed");
    }

    /// <summary>Guests need guest_access can_join; a restricted room needs a local member to vouch.</summary>
    private async Task PrepareJoinAsync(HomeserverDbContext db, MembershipChange change, Matrix.Federation.Rooms.RoomVersion version, string? current,
        JsonObject content, CancellationToken cancellationToken)
    {
        if (change.SenderIsGuest)
        {
            if (!await state.GuestsMayJoinAsync(db, change.RoomId, cancellationToken)) throw MatrixException.Forbidden("Guest access not allowed");
        }

        if (current is Memberships.Join or Memberships.Invite) return;
        var joinRules = await state.GetStateEventAsync(db, change.RoomId, EventTypes.JoinRules, "", cancellationToken);
        if (!RestrictedJoins.Applies(version, JsonFields.String(joinRules, "join_rule"))) return;
        content[AuthEventSelection.JoinAuthorisedViaKey] = await restrictedJoins.AuthoriseAsync(db, change.RoomId, change.Target, joinRules?.Content, cancellationToken);
    }

    private Task<bool> IsServerInRoomAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) =>
        servers.HasJoinedMemberAsync(db, roomId, options.ServerName, cancellationToken);
}
