using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Push.UserRules;
using Matrix.Homeserver.Sync.Filtering;

namespace Matrix.Homeserver.Sync.Streams;

/// <summary>
/// Account data (the accounts feature's <see cref="AccountDataService"/>): global events at the top
/// level, room events under rooms.join/leave.*.account_data, as written after the token; everything
/// for an initial or full_state sync, and all of a room's for a room joined since. The push rules
/// (m.push_rules) come with the rest as the push feature writes them on each change; a sync from
/// scratch takes them from <see cref="PushRuleStore"/>, as a user who never changed a rule has no row.
/// </summary>
internal sealed class AccountDataStream(AccountDataService accountData, PushRuleStore pushRules) : ISyncStream
{
    public async Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken)
    {
        var fromScratch = context.IsInitial || context.FullState;
        var changes = await accountData.GetChangesAsync(context.UserId, fromScratch ? 0 : context.Since!.Value.Position, context.UpTo.Position, cancellationToken);
        var global = context.Filter.AccountData;
        if (!global.MatchesNothing())
        {
            var events = changes.Global.Where(e => global.AllowsType(e.Type) && !(fromScratch && e.Type == AccountDataTypes.PushRules)).Select(e => e.ToJson()).ToList();
            if (fromScratch && global.AllowsType(AccountDataTypes.PushRules))
            {
                events.Add(new JsonObject { ["type"] = AccountDataTypes.PushRules, ["content"] = await pushRules.GetPushRulesEventAsync(context.UserId, cancellationToken) });
            }

            response.AccountData.AddRange(global.Limited(events));
        }

        var roomFilter = context.Filter.Room.AccountData;
        if (roomFilter.MatchesNothing()) return;
        var rooms = changes.Rooms.ToDictionary(StringComparer.Ordinal);
        var joinedSince = context.NewlyJoinedRooms.Where(_ => !fromScratch).ToList();
        if (joinedSince.Count > 0)
        {
            var all = await accountData.GetChangesAsync(context.UserId, 0, context.UpTo.Position, cancellationToken);
            foreach (var room in joinedSince)
            {
                if (all.Rooms.TryGetValue(room, out var events)) rooms[room] = events;
            }
        }

        foreach (var (roomId, events) in rooms)
        {
            if (!context.Filter.Room.IncludesRoom(roomId) || !roomFilter.IncludesRoom(roomId)) continue;
            var kept = roomFilter.Limited(events.Where(e => roomFilter.AllowsType(e.Type)).Select(e => e.ToJson())).ToList();
            if (kept.Count == 0) continue;
            if (context.JoinedRooms.Contains(roomId)) response.JoinedRoom(roomId).AccountData.AddRange(kept);
            else if (response.Leave.TryGetValue(roomId, out var left)) left.AccountData.AddRange(kept);
        }
    }
}
