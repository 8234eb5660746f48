using System.Collections.Immutable;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Pagination;

/// <summary>The room state served beside a page of events (/messages, /context): at one event, whole or lazily loaded.</summary>
public sealed class StateAtEvent(StateGroupStore stateGroups)
{
    /// <summary>The state after the event (its state group), as StateKey → event ID.</summary>
    public async Task<IReadOnlyDictionary<StateKey, string>> GetAsync(HomeserverDbContext db, string eventId, CancellationToken cancellationToken)
    {
        var group = await db.Events.AsNoTracking().Where(e => e.EventId == eventId).Select(e => e.StateGroup).FirstOrDefaultAsync(cancellationToken);
        return group is { } id ? await stateGroups.LoadAsync(db, id, cancellationToken) : ImmutableDictionary<StateKey, string>.Empty;
    }

    /// <summary>
    /// The state event IDs to send: with lazy loading, the member events of the page's senders (spec
    /// "Lazy-loading room members"; we do not track what a client already has, so redundant members
    /// are always included, which the spec allows); otherwise the whole state.
    /// </summary>
    public static IEnumerable<string> Select(IReadOnlyDictionary<StateKey, string> state, IEnumerable<string>? lazySenders) =>
        lazySenders is null
            ? state.Values
            : lazySenders.Distinct().Select(s => state.GetValueOrDefault(new StateKey(EventTypes.Member, s))).OfType<string>();
}
