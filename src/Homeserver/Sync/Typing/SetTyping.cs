using Matrix.Federation.Events;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Sync.Presence;
using Mediator;

namespace Matrix.Homeserver.Sync.Typing;

/// <summary>Starts or stops the requester's typing notification in a room they are joined to.</summary>
public sealed record SetTyping(Requester Requester, string RoomId, string UserId, bool Typing, long? TimeoutMs) : ICommand;

public sealed class SetTypingHandler(TypingService typing, RoomStateReader state, PresenceService presence, HomeserverDbContext db) : ICommandHandler<SetTyping>
{
    /// <summary>How long a typing notification lasts when the client gives no timeout (Synapse's default).</summary>
    public const long DefaultTimeoutMs = 30_000;

    public async ValueTask<Unit> Handle(SetTyping command, CancellationToken cancellationToken)
    {
        if (command.UserId != command.Requester.UserId) throw MatrixException.Forbidden("Cannot set another user's typing state");
        if (await state.GetMembershipAsync(db, command.RoomId, command.UserId, cancellationToken) != Memberships.Join)
        {
            throw MatrixException.Forbidden("You are not in this room");
        }

        await typing.SetAsync(command.RoomId, command.UserId, command.Typing, command.TimeoutMs ?? DefaultTimeoutMs, cancellationToken);
        if (command.Typing) presence.BumpActive(command.UserId);
        return Unit.Value;
    }
}
