using System.Text;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Sync.Filtering;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync;

/// <summary>
/// Room events as /sync sends them, loaded in one batch for the whole answer: the client format
/// without room_id (the room is the key above them), or with event_format "federation" the PDU as
/// stored (redacted when it was); then cut to the filter's event_fields.
/// </summary>
internal sealed class SyncEventFormatter(ClientEventLoader loader, EventStore events)
{
    public async Task<Dictionary<string, JsonObject>> FormatAsync(HomeserverDbContext db, IReadOnlyCollection<string> eventIds, Requester requester,
        FilterDefinition filter, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        if (eventIds.Count == 0) return result;
        var ids = eventIds.ToList();
        if (filter.FederationFormat)
        {
            var redacted = new HashSet<string>(StringComparer.Ordinal);
            foreach (var batch in ids.Chunk(500))
            {
                redacted.UnionWith(await db.Events.AsNoTracking().Where(e => batch.Contains(e.EventId) && e.RedactedBy != null)
                    .Select(e => e.EventId).ToListAsync(cancellationToken));
            }

            foreach (var (id, pdu) in await events.GetManyAsync(db, ids, cancellationToken))
            {
                result[id] = Project(redacted.Contains(id) ? Redaction.Redact(pdu.Json, pdu.Version) : (JsonObject)pdu.Json.DeepClone(), filter.EventFields);
            }

            return result;
        }

        foreach (var formatted in await loader.LoadAsync(db, ids, requester, cancellationToken))
        {
            formatted.Remove("room_id");
            result[formatted["event_id"]!.GetValue<string>()] = Project(formatted, filter.EventFields);
        }

        return result;
    }

    /// <summary>
    /// Keeps only the listed dot-separated paths (spec appendix: "Dot-separated property paths",
    /// where "\." is a literal dot). No list, or an empty one, keeps everything.
    /// </summary>
    public static JsonObject Project(JsonObject source, IReadOnlyList<string>? fields)
    {
        if (fields is not { Count: > 0 }) return source;
        var result = new JsonObject();
        foreach (var field in fields)
        {
            var path = SplitPath(field);
            JsonNode? node = source;
            foreach (var part in path)
            {
                node = node is JsonObject o ? o[part] : null;
                if (node is null) break;
            }

            if (node is null) continue;
            var target = result;
            for (var i = 0; i < path.Count - 1; i++)
            {
                if (target[path[i]] is not JsonObject child) target[path[i]] = child = new JsonObject();
                target = child;
            }

            target[path[^1]] = node.DeepClone();
        }

        return result;
    }

    private static List<string> SplitPath(string field)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 1 < field.Length && field[i + 1] is '.' or '\\')
            {
                current.Append(field[++i]);
            }
            else if (field[i] == '.')
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(field[i]);
            }
        }

        parts.Add(current.ToString());
        return parts;
    }
}
