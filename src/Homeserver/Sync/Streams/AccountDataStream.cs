using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Sync.Filtering;

namespace Matrix.Homeserver.Sync.Streams;

/// <summary>
/// Account data (<see cref="AccountDataReader"/>): global events at the top level, room events under
/// rooms.join/leave.*.account_data, as written after the token; everything for an initial or
/// full_state sync, and all of a room's for a room joined since. The reader (a scoped service) is resolved only when
/// there is something to read: most syncs, those a message wakes among them, have none.
/// </summary>
internal sealed class AccountDataStream(IServiceScopeFactory scopes, StreamChanges changes) : ISyncStream
{
    public async Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken)
    {
        var fromScratch = context.IsInitial || context.FullState;
        if (!fromScratch && context.NewlyJoinedRooms.Count == 0 && !changes.AccountData.MayHaveChanged(context.UserId, context.Since!.Value.Position)) return;
        await using var scope = scopes.CreateAsyncScope();
        var reader = scope.ServiceProvider.GetRequiredService<AccountDataReader>();
        var window = await reader.ReadAsync(context.UserId, fromScratch ? null : context.Since!.Value.Position, context.UpTo.Position,
            [.. context.NewlyJoinedRooms], cancellationToken);
        var global = context.Filter.AccountData;
        if (!global.MatchesNothing())
        {
            response.AccountData.AddRange(global.Limited(window.Global.Where(e => global.AllowsType(e.Type)).Select(e => e.ToJson())));
        }

        var roomFilter = context.Filter.Room.AccountData;
        if (roomFilter.MatchesNothing()) return;
        foreach (var (roomId, events) in window.Rooms)
        {
            if (!context.Filter.Room.IncludesRoom(roomId) || !roomFilter.IncludesRoom(roomId)) continue;
            var kept = roomFilter.Limited(events.Where(e => roomFilter.AllowsType(e.Type)).Select(e => e.ToJson())).ToList();
            if (kept.Count == 0) continue;
            if (context.JoinedRooms.Contains(roomId)) response.JoinedRoom(roomId).AccountData.AddRange(kept);
            else if (response.Leave.TryGetValue(roomId, out var left)) left.AccountData.AddRange(kept);
        }
    }
}
