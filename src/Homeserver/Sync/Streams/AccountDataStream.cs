using Matrix.Homeserver.Sync.AccountData;

namespace Matrix.Homeserver.Sync.Streams;

/// <summary>
/// Account data: global events at the top level, room events under rooms.join/leave.*.account_data,
/// as written after the token (everything for an initial sync; all of a room's for a newly joined one).
/// </summary>
internal sealed class AccountDataStream(IAccountDataStore? store = null) : ISyncStream
{
    public async Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken)
    {
        if (store is null) return;
        var since = context.Since?.Position ?? 0;
        var changes = await store.GetChangesAsync(context.UserId, since, context.UpTo.Position, cancellationToken);
        var fresh = context.NewlyJoinedRooms.Where(r => !context.IsInitial).ToList();
        var whole = fresh.Count == 0 ? null : await store.GetChangesAsync(context.UserId, 0, context.UpTo.Position, cancellationToken);

        var global = context.Filter.AccountDataFilter;
        if (!global.MatchesNothing) response.AccountData.AddRange(global.Limit is { } limit
            ? changes.Global.Where(e => global.AllowsType(TypeOf(e))).TakeLast(limit)
            : changes.Global.Where(e => global.AllowsType(TypeOf(e))));

        var roomFilter = context.Filter.Rooms.AccountDataFilter;
        if (roomFilter.MatchesNothing) return;
        var rooms = changes.Rooms.ToDictionary(StringComparer.Ordinal);
        foreach (var room in fresh)
        {
            if (whole!.Rooms.TryGetValue(room, out var all)) rooms[room] = all;
        }

        foreach (var (roomId, events) in rooms)
        {
            if (!context.Filter.Rooms.AllowsRoom(roomId) || !roomFilter.AllowsRoom(roomId)) continue;
            var kept = events.Where(e => roomFilter.AllowsType(TypeOf(e))).ToList();
            if (kept.Count == 0) continue;
            if (context.JoinedRooms.Contains(roomId)) response.JoinedRoom(roomId).AccountData.AddRange(kept);
            else if (response.Leave.TryGetValue(roomId, out var left)) left.AccountData.AddRange(kept);
        }
    }

    private static string TypeOf(System.Text.Json.Nodes.JsonObject e) => e["type"]?.GetValue<string>() ?? "";
}
