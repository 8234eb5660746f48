using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.ThirdPartyInvites;
using Mediator;

namespace Matrix.Homeserver.Rooms.Membership;

/// <summary>Invite, leave, kick, ban, unban and PUT state m.room.member: returns the membership event's ID.</summary>
public sealed record ChangeMembership(MembershipChange Change) : ICommand<string>;

/// <summary>POST /join/{roomIdOrAlias}, /rooms/{roomId}/join and /knock/{roomIdOrAlias}: returns the room ID.</summary>
public sealed record EnterRoom(Requester Requester, string RoomIdOrAlias, MembershipAction Action, IReadOnlyList<string> Servers, string? Reason) : ICommand<string>
{
    /// <summary>The member event's content the client gave (a join's body), or null.</summary>
    public System.Text.Json.Nodes.JsonObject? Content { get; init; }

    /// <summary>A join's proof of a third-party invite (the identity server's signed token), exchanged for the invite first.</summary>
    public System.Text.Json.Nodes.JsonObject? ThirdPartySigned { get; init; }
}

/// <summary>POST /rooms/{roomId}/invite with an identity server and a 3PID instead of a user ID.</summary>
public sealed record InviteThirdParty(Requester Requester, string RoomId, ThirdPartyInvitee Invitee) : ICommand;

/// <summary>POST /rooms/{roomId}/forget.</summary>
public sealed record ForgetRoom(Requester Requester, string RoomId) : ICommand;

public sealed class MembershipHandlers(RoomMembershipService membership, RoomTargets targets, ThirdPartyInviteService thirdParty)
    : ICommandHandler<ChangeMembership, string>, ICommandHandler<EnterRoom, string>, ICommandHandler<ForgetRoom>, ICommandHandler<InviteThirdParty>
{
    public async ValueTask<string> Handle(ChangeMembership command, CancellationToken cancellationToken) =>
        await membership.ApplyAsync(command.Change, cancellationToken);

    public async ValueTask<string> Handle(EnterRoom command, CancellationToken cancellationToken)
    {
        var target = await targets.ResolveAsync(command.RoomIdOrAlias, command.Servers, cancellationToken);
        var userId = command.Requester.UserId;
        if (command.ThirdPartySigned is { } signed)
        {
            if (JsonFields.String(signed, "mxid") != userId) throw MatrixException.Forbidden("third_party_signed is for another user");
            if (JsonFields.String(signed, "sender") is not { } sender || !Matrix.Federation.Identifiers.UserId.IsValid(sender)) throw MatrixException.BadJson("third_party_signed.sender is not a user ID");
            await thirdParty.ExchangeAsync(sender, userId, target.RoomId, signed, cancellationToken);
        }

        await membership.ApplyAsync(new MembershipChange(target.RoomId, userId, userId, command.Action)
        {
            Reason = command.Reason,
            Content = command.Content,
            SenderIsGuest = command.Requester.IsGuest,
            Servers = target.Servers,
        }, cancellationToken);
        return target.RoomId;
    }

    public async ValueTask<Unit> Handle(InviteThirdParty command, CancellationToken cancellationToken)
    {
        await thirdParty.InviteAsync(command.RoomId, command.Requester.UserId, command.Invitee, cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<Unit> Handle(ForgetRoom command, CancellationToken cancellationToken)
    {
        await membership.ForgetAsync(command.RoomId, command.Requester.UserId, cancellationToken);
        return Unit.Value;
    }
}
