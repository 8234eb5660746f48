using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.FederationApi.Acl;
using Matrix.Homeserver.FederationApi.Ingest;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.ServerKeys;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.FederationApi.Membership;

/// <summary>The body of PUT /_matrix/federation/v2/invite/{roomId}/{eventId}.</summary>
public sealed record InviteBody(string? RoomVersion, JsonObject? Event, JsonNode? InviteRoomState);

public sealed class InviteBodyValidator : AbstractValidator<InviteBody>
{
    public InviteBodyValidator()
    {
        RuleFor(b => b.RoomVersion).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("room_version is required");
        RuleFor(b => b.Event).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("event is required");
    }
}

/// <summary>PUT /invite (v2): a user of the calling server invites one of our users.</summary>
public sealed record ReceiveInviteCommand(string Origin, string RoomId, string EventId, InviteBody Body) : ICommand<JsonObject>;

/// <summary>
/// Countersigns an invite of one of our users, after the checks that keep us from signing anything else (spec:
/// "Inviting to a room"): a room version we support (else 400 M_INCOMPATIBLE_ROOM_VERSION), an m.room.member invite
/// with the path's IDs, sent by a user of the calling server, for an existing local user, signed by that server,
/// allowed by the room's ACL when we know the room. The room state that came with it is checked and bounded
/// (<see cref="StrippedRoomState"/>). When we are not in the room the invite becomes the user's membership out of
/// band, carrying that state for sync's invite_state; when we are, it reaches the room like any event.
/// </summary>
public sealed class ReceiveInviteHandler(
    HomeserverDbContext db, ReceivedPduChecks checks, StrippedRoomState strippedState, ServerAclChecker acls, RoomEventWriter writer,
    ServerSigningKey signingKey, HomeserverOptions options, RoomServers servers)
    : ICommandHandler<ReceiveInviteCommand, JsonObject>
{
    public async ValueTask<JsonObject> Handle(ReceiveInviteCommand command, CancellationToken cancellationToken)
    {
        var versionId = command.Body.RoomVersion!;
        var version = RoomVersions.Find(versionId) ?? throw new MatrixException(400, ErrorCodes.IncompatibleRoomVersion,
            $"This server does not support room version {versionId}", new JsonObject { ["room_version"] = versionId });
        var invite = ReceivedMembershipEvent.Parse(command.Body.Event!, version, command.RoomId, command.EventId, Memberships.Invite);
        if (RequestIds.ServerOf(invite.Sender) != command.Origin) throw ReceivedMembershipEvent.NotFromOrigin();
        if (RequestIds.ServerOf(invite.StateKey!) != options.ServerName) throw MatrixException.InvalidParam("The invited user is not a user of this server");
        if (!await acls.IsAllowedAsync(db, command.RoomId, command.Origin, cancellationToken)) throw MatrixException.Forbidden("Server is denied by the room's server ACL");
        // An invite for a user we do not have is taken, as Synapse takes it (the spec has no answer for it; SyTest's server
        // ACL test invites such a user): it is an out-of-band membership nobody sees, and tells the inviter nothing.

        if (await InvitePermission.BlocksInvitesAsync(db, invite.StateKey!, cancellationToken)) throw InvitePermission.Blocked(invite.StateKey!);

        var checkedInvite = await checks.CheckAsync((JsonObject)invite.Json.DeepClone(), version, command.RoomId, enforceReferenceLimits: true, cancellationToken);
        if (checkedInvite.Pdu is null)
        {
            throw checkedInvite.BadSignature ? ReceivedMembershipEvent.BadSignature(checkedInvite.Error!) : MatrixException.InvalidParam($"The invite does not check out: {checkedInvite.Error}");
        }

        var roomState = await strippedState.CheckAsync(command.Body.InviteRoomState, version, command.RoomId, cancellationToken);
        // The spec's format rules for invite_room_state are a SHOULD from v12 and a MAY before: older servers send less.
        if (roomState.OverLimit || (roomState.Problem is not null && version.RoomIdIsCreateEventHash))
        {
            throw MatrixException.InvalidParam($"invite_room_state: {roomState.Problem}");
        }

        var signed = (JsonObject)invite.Json.DeepClone();
        EventSigning.Sign(signed, version, options.ServerName, signingKey.Key);
        if (!await servers.HasJoinedMemberAsync(db, command.RoomId, options.ServerName, cancellationToken))
        {
            var stored = (JsonObject)signed.DeepClone();
            stored[PduKeys.Unsigned] = new JsonObject { ["invite_room_state"] = roomState.Events };
            await writer.EnsureRoomAsync(command.RoomId, version, cancellationToken);
            await writer.PersistOutOfBandMembershipAsync(Pdu.FromJson(stored, invite.EventId, version), cancellationToken);
        }

        return new JsonObject { ["event"] = signed };
    }
}
