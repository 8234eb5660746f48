using Matrix.Federation.Auth;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.FederationApi.Events;

/// <summary>Auth chains of stored events: every event reachable through auth_events (in v12 with the implied create event).</summary>
public static class AuthChains
{
    /// <summary>
    /// The IDs of the auth chain of <paramref name="eventIds"/>, walked level by level over the cached PDUs: every
    /// event reachable through auth events, given ones included when another given one reaches them (the create
    /// event is in the auth chain of a room's state), and every given one when <paramref name="includeGiven"/>.
    /// Events we do not hold end the walk there.
    /// </summary>
    public static async Task<List<string>> GetAsync(HomeserverDbContext db, EventStore events, IEnumerable<string> eventIds, bool includeGiven,
        CancellationToken cancellationToken)
    {
        var given = eventIds.Distinct(StringComparer.Ordinal).ToList();
        var walked = new HashSet<string>(given, StringComparer.Ordinal);
        var inChain = new HashSet<string>(StringComparer.Ordinal);
        var chain = new List<string>();
        if (includeGiven)
        {
            inChain.UnionWith(given);
            chain.AddRange(given);
        }

        var frontier = given;
        while (frontier.Count > 0)
        {
            var pdus = await events.GetManyAsync(db, frontier, cancellationToken);
            var next = new List<string>();
            foreach (var authId in pdus.Values.SelectMany(AuthEventReferences.Of))
            {
                if (inChain.Add(authId)) chain.Add(authId);
                if (walked.Add(authId)) next.Add(authId);
            }

            frontier = next;
        }

        return chain;
    }
}
