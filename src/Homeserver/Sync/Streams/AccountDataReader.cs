using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Push.UserRules;

namespace Matrix.Homeserver.Sync.Streams;

/// <summary>A user's account data for a sync window: global events, and room events per room.</summary>
internal sealed record AccountDataWindow(List<AccountDataEvent> Global, Dictionary<string, IReadOnlyList<AccountDataEvent>> Rooms);

/// <summary>
/// Account data as both syncs read it (the accounts feature's <see cref="AccountDataService"/>): what
/// was written in the window, everything from scratch. The push rules (m.push_rules) come with the
/// rest as the push feature writes them on each change; from scratch they come from
/// <see cref="PushRuleStore"/>, as a user who never changed a rule has no row. Rooms new to the
/// client get all of their account data.
/// </summary>
internal sealed class AccountDataReader(AccountDataService accountData, PushRuleStore pushRules)
{
    /// <param name="since">The window's start; null from scratch.</param>
    public async Task<AccountDataWindow> ReadAsync(string userId, long? since, long upTo, IReadOnlyCollection<string> freshRooms, CancellationToken cancellationToken)
    {
        var changes = await accountData.GetChangesAsync(userId, since ?? 0, upTo, cancellationToken);
        var global = changes.Global.Where(e => since is not null || e.Type != AccountDataTypes.PushRules).ToList();
        if (since is null) global.Add(new AccountDataEvent(AccountDataTypes.PushRules, await pushRules.GetPushRulesEventAsync(userId, cancellationToken)));
        var rooms = changes.Rooms.ToDictionary(StringComparer.Ordinal);
        if (since is not null && freshRooms.Count > 0)
        {
            var all = await accountData.GetChangesAsync(userId, 0, upTo, cancellationToken);
            foreach (var room in freshRooms)
            {
                if (all.Rooms.TryGetValue(room, out var events)) rooms[room] = events;
            }
        }

        return new AccountDataWindow(global, rooms);
    }
}
