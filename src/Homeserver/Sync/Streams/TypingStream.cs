using Matrix.Homeserver.Sync.Filtering;
using Matrix.Homeserver.Sync.Typing;

namespace Matrix.Homeserver.Sync.Streams;

/// <summary>m.typing in rooms.join.*.ephemeral: the current typers of joined rooms whose list changed since the token.</summary>
internal sealed class TypingStream(TypingService typing) : ISyncStream
{
    public Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken)
    {
        var filter = context.Filter.Room.Ephemeral;
        if (filter.MatchesNothing() || !filter.AllowsType("m.typing")) return Task.CompletedTask;
        foreach (var (roomId, typingEvent) in typing.ForSync(filter.RoomsAmong(context.JoinedRooms), context.IsFresh, context.Since?.Serial ?? 0,
                     context.UpTo.Serial))
        {
            response.JoinedRoom(roomId).Ephemeral.Add(typingEvent);
        }

        return Task.CompletedTask;
    }
}
