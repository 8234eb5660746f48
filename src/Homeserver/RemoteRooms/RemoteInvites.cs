using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.FederationApi.Events;
using Matrix.Homeserver.FederationApi.Membership;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>
/// A local user invites a user of another server (spec: "Inviting to a room"): the invite is built and authorized
/// on the room's current state, sent with PUT /invite (v2) with the room version and the room's stripped state, and
/// persisted only once the invitee's server signed it (that signature is checked); the sender then sends it to the
/// room. A refusal by the invitee's server is the client's answer.
/// </summary>
public sealed class RemoteInvites(
    RoomEventWriter writer, FederationClient client, StrippedRoomState strippedState, IServerKeyLookup keys,
    IDbContextFactory<HomeserverDbContext> dbs, ILogger<RemoteInvites> logger)
{
    public async Task<string> InviteAsync(string roomId, EventDraft invite, CancellationToken cancellationToken)
    {
        var pdu = await writer.BuildAsync(roomId, invite, cancellationToken);
        var server = RequestIds.ServerOf(invite.StateKey!);
        JsonArray roomState;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            roomState = await strippedState.BuildAsync(db, roomId, invite.Sender, cancellationToken);
        }

        var body = new JsonObject
        {
            ["room_version"] = pdu.Version.Id,
            ["event"] = ServerEventView.ToFederation(pdu, redacted: false),
            ["invite_room_state"] = roomState,
        };
        // v1 has no room version: the invitee's server assumes the first event format, so only rooms of that format
        // may fall back to it (as Synapse does); the stripped state rides in the event's unsigned.
        var v1Body = pdu.Version.EventFormat == EventFormat.V1 ? V1Invite(pdu, roomState) : null;
        JsonObject answer;
        try
        {
            answer = await MembershipEndpoints.PutAsync(client, server, "invite", roomId, pdu.EventId, body, v1Body, null, cancellationToken);
        }
        catch (FederationHttpException e) when (v1Body is null && FederationClient.IsUnknownEndpoint(e))
        {
            throw new MatrixException(400, ErrorCodes.UnsupportedRoomVersion, $"{server} does not support this room's version");
        }
        catch (FederationHttpException e)
        {
            logger.LogInformation("{Server} refused an invite to {RoomId}: {Status} {ErrCode}", server, roomId, e.StatusCode, e.ErrCode);
            throw ServerAttempts.ForClient(e);
        }
        catch (FederationException e)
        {
            logger.LogInformation("Could not send an invite to {Server}: {Reason}", server, e.Message);
            throw new MatrixException(502, ErrorCodes.Unknown, $"Could not reach {server} to invite its user");
        }

        var signed = await CountersignedAsync(server, pdu, answer["event"] as JsonObject, cancellationToken);
        var result = await writer.PersistRemoteAsync(new IncomingEvent(signed) { BuiltHere = true }, cancellationToken);
        if (result.Outcome is IncomingOutcome.Rejected or IncomingOutcome.SoftFailed)
        {
            throw MatrixException.Forbidden($"The invite is no longer allowed: {result.Reason ?? result.Outcome.ToString()}");
        }

        return signed.EventId;
    }

    private static JsonObject V1Invite(Pdu pdu, JsonArray roomState)
    {
        var invite = ServerEventView.ToFederation(pdu, redacted: false);
        var unsigned = invite["unsigned"] as JsonObject ?? new JsonObject();
        unsigned["invite_room_state"] = roomState.DeepClone();
        invite["unsigned"] = unsigned;
        return invite;
    }

    /// <summary>Our invite with the invitee server's signature added: nothing else may differ, and the signature must hold.</summary>
    private async Task<Pdu> CountersignedAsync(string server, Pdu ours, JsonObject? returned, CancellationToken cancellationToken)
    {
        var signed = returned is null ? null : Countersignatures.Merge(ours, returned, signer => signer == server);
        if (signed is null) throw new MatrixException(502, ErrorCodes.Unknown, $"{server} did not return the invite we sent");
        var check = await EventSigning.VerifyAsync(signed, [server], keys, cancellationToken);
        if (!check.IsValid) throw new MatrixException(502, ErrorCodes.Unknown, $"{server} did not sign the invite correctly: {check}");
        return signed;
    }
}
