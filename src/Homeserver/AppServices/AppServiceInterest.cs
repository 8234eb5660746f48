using Matrix.Federation.Events;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// Which application services an event interests (Synapse's rules, which bridges rely on): its sender, or the target
/// of a membership event, is in the AS's users namespace; or the room is: its ID matches the rooms namespace, one of
/// its aliases (local directory, canonical and alt aliases) the aliases namespace, or one of its joined local members
/// the users namespace. Only ASes with a URL are asked.
/// </summary>
public sealed class AppServiceInterest(AppServiceRegistry registry, RoomStateReader state, HomeserverOptions options)
{
    /// <summary>(AS, event) pairs in event order for each AS.</summary>
    public async Task<List<(string AppServiceId, string EventId)>> MatchAsync(HomeserverDbContext db, string roomId, IReadOnlyList<Pdu> events,
        IEnumerable<string> joinedUsers, CancellationToken cancellationToken)
    {
        var result = new List<(string, string)>();
        if (events.Count == 0) return result;
        var room = new RoomFacts(roomId, joinedUsers);
        foreach (var appService in registry.All)
        {
            if (appService.Url is null) continue;
            var roomWide = await IsInterestedInRoomAsync(db, appService, room, cancellationToken);
            foreach (var pdu in events)
            {
                if (roomWide || appService.IsInterestedInUser(pdu.Sender) || (pdu.Type == EventTypes.Member && pdu.StateKey is { } target && appService.IsInterestedInUser(target)))
                {
                    result.Add((appService.Id, pdu.EventId));
                }
            }
        }

        return result;
    }

    /// <summary>The ASes (with a URL, passing <paramref name="filter"/>) that the whole room interests: for its ephemeral events.</summary>
    public async Task<List<AppServiceRegistration>> InterestedInRoomAsync(HomeserverDbContext db, string roomId, IEnumerable<string> joinedUsers,
        Func<AppServiceRegistration, bool> filter, CancellationToken cancellationToken)
    {
        var room = new RoomFacts(roomId, joinedUsers);
        var result = new List<AppServiceRegistration>();
        foreach (var appService in registry.All)
        {
            if (appService.Url is not null && filter(appService) && await IsInterestedInRoomAsync(db, appService, room, cancellationToken)) result.Add(appService);
        }

        return result;
    }

    /// <summary>The room's ID, joined local members or aliases are in the AS's namespaces (members and aliases read once per room).</summary>
    private async Task<bool> IsInterestedInRoomAsync(HomeserverDbContext db, AppServiceRegistration appService, RoomFacts room, CancellationToken cancellationToken)
    {
        if (appService.IsInterestedInRoom(room.RoomId)) return true;
        if (appService.Namespaces.Users.Count > 0)
        {
            var suffix = ":" + options.ServerName;
            room.LocalMembers ??= [.. room.JoinedUsers.Where(u => u.EndsWith(suffix, StringComparison.Ordinal))];
            if (room.LocalMembers.Exists(appService.IsInterestedInUser)) return true;
        }

        if (appService.Namespaces.Aliases.Count == 0) return false;
        room.Aliases ??= await AliasesAsync(db, room.RoomId, cancellationToken);
        return room.Aliases.Exists(appService.IsInterestedInAlias);
    }

    private sealed class RoomFacts(string roomId, IEnumerable<string> joinedUsers)
    {
        public string RoomId { get; } = roomId;
        public IEnumerable<string> JoinedUsers { get; } = joinedUsers;
        public List<string>? LocalMembers { get; set; }
        public List<string>? Aliases { get; set; }
    }

    private async Task<List<string>> AliasesAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken)
    {
        var aliases = await db.Set<RoomAliasMapping>().AsNoTracking().Where(a => a.RoomId == roomId).Select(a => a.Alias).ToListAsync(cancellationToken);
        if (await state.GetStateEventAsync(db, roomId, EventTypes.CanonicalAlias, "", cancellationToken) is { } canonical)
        {
            if (canonical.Content["alias"] is System.Text.Json.Nodes.JsonValue alias && alias.TryGetValue<string>(out var value)) aliases.Add(value);
            if (canonical.Content["alt_aliases"] is System.Text.Json.Nodes.JsonArray alt)
            {
                aliases.AddRange(alt.OfType<System.Text.Json.Nodes.JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).OfType<string>());
            }
        }

        return aliases;
    }
}
