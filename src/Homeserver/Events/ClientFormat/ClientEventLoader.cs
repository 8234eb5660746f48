using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.ClientFormat;

/// <summary>
/// Loads stored events in the client format, in batches: the redactions that apply, the replaced
/// state (prev_content), and the requester's own transaction IDs.
/// </summary>
public sealed class ClientEventLoader(EventStore events, TimeProvider clock)
{
    /// <summary>The events among <paramref name="eventIds"/> that exist, in the given order.</summary>
    public async Task<List<JsonObject>> LoadAsync(HomeserverDbContext db, IReadOnlyList<string> eventIds, Requester? requester, CancellationToken cancellationToken)
    {
        if (eventIds.Count == 0) return [];
        var ids = eventIds.Distinct().ToList();
        var rows = new Dictionary<string, (string? RedactedBy, string? ReplacesState)>(StringComparer.Ordinal);
        foreach (var batch in ids.Chunk(500))
        {
            foreach (var row in await db.Events.AsNoTracking().Where(e => batch.Contains(e.EventId))
                         .Select(e => new { e.EventId, e.RedactedBy, e.ReplacesState }).ToListAsync(cancellationToken))
            {
                rows[row.EventId] = (row.RedactedBy, row.ReplacesState);
            }
        }

        var related = rows.Values.SelectMany(r => new[] { r.RedactedBy, r.ReplacesState }).OfType<string>();
        var pdus = await events.GetManyAsync(db, ids.Concat(related), cancellationToken);

        var transactions = new Dictionary<string, string>(StringComparer.Ordinal);
        if (requester is not null)
        {
            foreach (var batch in ids.Chunk(500))
            {
                foreach (var t in await db.EventTransactions.AsNoTracking()
                             .Where(t => batch.Contains(t.EventId) && t.UserId == requester.UserId && t.DeviceId == requester.DeviceId)
                             .Select(t => new { t.EventId, t.TxnId }).ToListAsync(cancellationToken))
                {
                    transactions[t.EventId] = t.TxnId;
                }
            }
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var result = new List<JsonObject>(eventIds.Count);
        foreach (var id in eventIds)
        {
            if (!pdus.TryGetValue(id, out var pdu) || !rows.TryGetValue(id, out var row)) continue;
            var redaction = row.RedactedBy is { } r && pdus.TryGetValue(r, out var red) ? ClientEventFormat.Format(red, now) : null;
            var replaced = row.ReplacesState is { } p && pdus.TryGetValue(p, out var prev) ? prev : null;
            result.Add(ClientEventFormat.Format(pdu, now, new ClientEventExtras
            {
                RedactedBecause = redaction,
                PrevContent = replaced?.Content,
                PrevSender = replaced?.Sender,
                ReplacesState = replaced?.EventId,
                TransactionId = transactions.GetValueOrDefault(id),
            }));
        }

        return result;
    }
}
