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
        var rooms = context.JoinedRooms.Where(filter.IncludesRoom).ToList();
        // Rooms new to the client get their current typers whatever the token says.
        var changes = typing.ChangedSince(rooms.Where(context.IsFresh), 0, context.UpTo.Serial)
            .Concat(typing.ChangedSince(rooms.Where(r => !context.IsFresh(r)), context.Since?.Serial ?? 0, context.UpTo.Serial));
        foreach (var (roomId, typingEvent) in changes)
        {
            // A room seen for the first time gets its typers only when someone is typing.
            if (context.IsFresh(roomId) && typingEvent["content"]!["user_ids"]!.AsArray().Count == 0) continue;
            response.JoinedRoom(roomId).Ephemeral.Add(typingEvent);
        }

        return Task.CompletedTask;
    }
}
