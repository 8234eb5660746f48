using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.ServerKeys;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>
/// A local user leaves a room this server is not in: rejecting an invite or withdrawing a knock (spec: "Leaving
/// Rooms (Rejecting Invites)"): make_leave (v1) and send_leave (v2) through the inviting server or the room's
/// servers, then the leave is our user's membership (out of band). When no server takes it, the leave is made here
/// on top of the invite alone, as Synapse does, so a user is never stuck with an invite nobody can withdraw.
/// </summary>
public sealed class RemoteLeaves(
    MembershipHandshake handshake, FederationClient client, RemoteServerChoice choice, RoomEventWriter writer, EventStore events,
    IDbContextFactory<HomeserverDbContext> dbs, ServerSigningKey signingKey, HomeserverOptions options, TimeProvider clock, ILogger<RemoteLeaves> logger)
{
    private readonly EventBuilder _builder = new(ServerName.Parse(options.ServerName), signingKey.Key);

    /// <summary>Returns the leave event's ID; 403 when the user has no invite or knock to withdraw.</summary>
    public async Task<string> LeaveAsync(string roomId, string userId, JsonObject content, CancellationToken cancellationToken)
    {
        Pdu membership;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            var row = await db.RoomMemberships.AsNoTracking().FirstOrDefaultAsync(m => m.RoomId == roomId && m.UserId == userId, cancellationToken);
            if (row is not { Membership: Memberships.Invite or Memberships.Knock }) throw MatrixException.Forbidden("You are not invited to, or knocking on, this room");
            membership = await events.GetAsync(db, row.EventId, cancellationToken) ?? throw new InvalidOperationException($"membership event {row.EventId} is missing");
        }

        var candidates = await choice.CandidatesAsync(roomId, userId, [], cancellationToken);
        Pdu leave;
        try
        {
            leave = await ServerAttempts.TryEachAsync(candidates, "leave the room", logger, async server =>
            {
                var ours = await handshake.MakeAsync(server, roomId, userId, Memberships.Leave, content, cancellationToken);
                await MembershipEndpoints.PutAsync(client, server, "send_leave", roomId, ours.Pdu.EventId, ours.Pdu.Json, ours.Pdu.Json, null, cancellationToken);
                return ours.Pdu;
            });
        }
        catch (MatrixException e)
        {
            logger.LogInformation("No server took the leave of {RoomId} ({Reason}): leaving locally", roomId, e.Message);
            leave = LocalLeave(membership, content);
        }

        await writer.PersistOutOfBandMembershipAsync(leave, cancellationToken);
        return leave.EventId;
    }

    /// <summary>A leave that only we know of, following the invite or knock (its only prev and auth event).</summary>
    private Pdu LocalLeave(Pdu membership, JsonObject content)
    {
        var leaveContent = (JsonObject)content.DeepClone();
        leaveContent["membership"] = Memberships.Leave;
        var reference = EventHashes.ReferenceHashBase64(membership.Json, membership.Version);
        return _builder.Build(membership.Version, new EventTemplate
        {
            Type = EventTypes.Member,
            StateKey = membership.StateKey,
            Sender = membership.StateKey!,
            Content = leaveContent,
            RoomId = membership.RoomId,
            PrevEvents = [membership.EventId],
            AuthEvents = [membership.EventId],
            Depth = membership.Depth + 1,
            OriginServerTs = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        }, new SingleReference(membership.EventId, reference));
    }

    private sealed class SingleReference(string eventId, string hash) : IReferenceHashLookup
    {
        public string? FindReferenceHash(string id) => id == eventId ? hash : null;
    }
}
