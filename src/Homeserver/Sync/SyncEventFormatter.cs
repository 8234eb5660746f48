using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Relations;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Accounts.Filters;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync;

/// <summary>
/// Room events as /sync sends them, loaded in one batch for the whole answer: the client format
/// without room_id (the room is the key above them), or with event_format "federation" the PDU as
/// stored (redacted when it was); then cut to the filter's event_fields (<see cref="SyncFilter.Project"/>).
/// Bundled aggregations go only on the events of limited timelines (spec: "Aggregations of child
/// events"): a client that saw the whole timeline already has the related events.
/// </summary>
internal sealed class SyncEventFormatter(ClientEventLoader loader, EventStore events)
{
    /// <param name="bundled">The events (of limited timelines) that carry their bundled aggregations.</param>
    /// <param name="known">The rows of the events the timelines just read (the rest are read here).</param>
    public async Task<Dictionary<string, JsonObject>> FormatAsync(IDbSource db, IReadOnlyCollection<string> eventIds, IReadOnlySet<string> bundled,
        Requester requester, SyncFilter filter, CancellationToken cancellationToken, IReadOnlyDictionary<string, EventRowLinks>? known = null)
    {
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        if (eventIds.Count == 0) return result;
        var ids = eventIds.ToList();
        if (filter.EventFormat == EventFormat.Federation)
        {
            var redacted = new HashSet<string>(StringComparer.Ordinal);
            foreach (var batch in ids.Chunk(500))
            {
                redacted.UnionWith(await db.Db.Events.AsNoTracking().Where(e => batch.Contains(e.EventId) && e.RedactedBy != null)
                    .Select(e => e.EventId).ToListAsync(cancellationToken));
            }

            foreach (var (id, pdu) in await events.GetManyAsync(db, ids, cancellationToken))
            {
                result[id] = filter.Project(redacted.Contains(id) ? Redaction.Redact(pdu.Json, pdu.Version) : (JsonObject)pdu.Json.DeepClone());
            }

            return result;
        }

        var plain = new List<string>(ids.Count);
        var withBundles = new List<string>();
        foreach (var id in ids) (bundled.Contains(id) ? withBundles : plain).Add(id);
        await AddAsync(plain, Aggregations.None);
        await AddAsync(withBundles, Aggregations.All);
        return result;

        async Task AddAsync(List<string> group, Aggregations aggregations)
        {
            foreach (var formatted in await loader.LoadAsync(db, group, requester, aggregations, cancellationToken, known))
            {
                formatted.Remove("room_id");
                result[formatted["event_id"]!.GetValue<string>()] = filter.Project(formatted);
            }
        }
    }
}
