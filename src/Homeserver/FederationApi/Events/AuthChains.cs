using Matrix.Federation.Auth;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.FederationApi.Events;

/// <summary>Auth chains of stored events: every event reachable through auth_events (in v12 with the implied create event).</summary>
public static class AuthChains
{
    /// <summary>
    /// The IDs of the auth chain of <paramref name="eventIds"/>, walked level by level over the cached PDUs. The
    /// given events belong to it only when <paramref name="includeGiven"/>; events we do not hold end the walk there.
    /// </summary>
    public static async Task<List<string>> GetAsync(HomeserverDbContext db, EventStore events, IEnumerable<string> eventIds, bool includeGiven,
        CancellationToken cancellationToken)
    {
        var given = eventIds.Distinct(StringComparer.Ordinal).ToList();
        var seen = new HashSet<string>(given, StringComparer.Ordinal);
        var chain = new List<string>();
        var frontier = given;
        while (frontier.Count > 0)
        {
            var pdus = await events.GetManyAsync(db, frontier, cancellationToken);
            var next = new List<string>();
            foreach (var pdu in pdus.Values)
            {
                foreach (var authId in AuthEventReferences.Of(pdu))
                {
                    if (!seen.Add(authId)) continue;
                    chain.Add(authId);
                    next.Add(authId);
                }
            }

            frontier = next;
        }

        if (includeGiven) chain.InsertRange(0, given);
        return chain;
    }
}
