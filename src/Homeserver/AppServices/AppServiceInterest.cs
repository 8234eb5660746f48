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
        var suffix = ":" + options.ServerName;
        List<string>? localMembers = null;
        List<string>? aliases = null;
        foreach (var appService in registry.All)
        {
            if (appService.Url is null) continue;
            var roomWide = appService.IsInterestedInRoom(roomId);
            if (!roomWide && appService.Namespaces.Users.Count > 0)
            {
                localMembers ??= [.. joinedUsers.Where(u => u.EndsWith(suffix, StringComparison.Ordinal))];
                roomWide = localMembers.Exists(appService.IsInterestedInUser);
            }

            if (!roomWide && appService.Namespaces.Aliases.Count > 0)
            {
                aliases ??= await AliasesAsync(db, roomId, cancellationToken);
                roomWide = aliases.Exists(appService.IsInterestedInAlias);
            }

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
