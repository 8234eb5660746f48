using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Accounts.Management;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Events;

/// <summary>
/// Our events as another server gets them: the PDU as signed, without unsigned data of ours, redacted once a
/// redaction applies to it. History another server may not see (Synapse's filter_events_for_server) is given in its
/// redacted form, so the DAG stays whole while the content stays private: an event is visible when the history
/// visibility at it is shared or world_readable, or when a user of that server was joined (or, for "invited",
/// invited) at it. Outliers carry no state and count as visible, as in Synapse. Events of erased users are given
/// redacted too (Synapse's filter_events_for_server does so for every server: another server cannot tell which of its
/// users saw them).
/// </summary>
public sealed class ServerEventView(EventStore events, StateGroupStore stateGroups, ErasedUsers erasedUsers)
{
    private static readonly StateKey VisibilityKey = new(EventTypes.HistoryVisibility, "");

    /// <summary>The stored events among <paramref name="eventIds"/>, in order, as <paramref name="serverName"/> may see them.</summary>
    public async Task<List<JsonObject>> ForServerAsync(HomeserverDbContext db, string serverName, IReadOnlyList<string> eventIds, CancellationToken cancellationToken)
    {
        var rows = await RowsAsync(db, eventIds, cancellationToken);
        var pdus = await events.GetManyAsync(db, eventIds, cancellationToken);
        var erased = await erasedUsers.GetAsync(cancellationToken);
        var result = new List<JsonObject>(eventIds.Count);
        foreach (var id in eventIds)
        {
            if (!pdus.TryGetValue(id, out var pdu) || !rows.TryGetValue(id, out var row)) continue;
            var visible = row.StateGroup is not { } group || await IsVisibleAsync(db, serverName, await stateGroups.LoadAsync(db, group, cancellationToken), cancellationToken);
            result.Add(ToFederation(pdu, redacted: !visible || row.RedactedBy is not null || erased.Contains(pdu.Sender)));
        }

        return result;
    }

    /// <summary>The stored events among <paramref name="eventIds"/>, in order, with no visibility applied (state, auth chains).</summary>
    public async Task<List<JsonObject>> AsStoredAsync(HomeserverDbContext db, IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var rows = await RowsAsync(db, eventIds, cancellationToken);
        var pdus = await events.GetManyAsync(db, eventIds, cancellationToken);
        return [.. eventIds.Where(pdus.ContainsKey).Select(id => ToFederation(pdus[id], redacted: rows.GetValueOrDefault(id)?.RedactedBy is not null))];
    }

    /// <summary>The federation form of a PDU: as signed, minus unsigned; or its redacted form.</summary>
    public static JsonObject ToFederation(Pdu pdu, bool redacted)
    {
        if (redacted) return Redaction.Redact(pdu.Json, pdu.Version);
        var json = (JsonObject)pdu.Json.DeepClone();
        json.Remove(PduKeys.Unsigned);
        return json;
    }

    private async Task<bool> IsVisibleAsync(HomeserverDbContext db, string serverName, IReadOnlyDictionary<StateKey, string> state, CancellationToken cancellationToken)
    {
        var visibility = await ContentStringAsync(db, state.GetValueOrDefault(VisibilityKey), "history_visibility", cancellationToken) ?? "shared";
        if (visibility is not ("invited" or "joined")) return true;

        var suffix = ":" + serverName;
        var memberIds = state.Where(kv => kv.Key.Type == EventTypes.Member && kv.Key.Key.EndsWith(suffix, StringComparison.Ordinal)).Select(kv => kv.Value).ToList();
        foreach (var member in (await events.GetManyAsync(db, memberIds, cancellationToken)).Values)
        {
            if (member.Membership == Memberships.Join || (visibility == "invited" && member.Membership == Memberships.Invite)) return true;
        }

        return false;
    }

    private async Task<string?> ContentStringAsync(HomeserverDbContext db, string? eventId, string key, CancellationToken cancellationToken)
    {
        if (eventId is null) return null;
        var pdu = await events.GetAsync(db, eventId, cancellationToken);
        return pdu?.Content[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
    }

    private static async Task<Dictionary<string, EventRow>> RowsAsync(HomeserverDbContext db, IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, EventRow>(StringComparer.Ordinal);
        foreach (var batch in eventIds.Distinct().Chunk(500))
        {
            foreach (var row in await db.Events.AsNoTracking().Where(e => batch.Contains(e.EventId))
                         .Select(e => new EventRow(e.EventId, e.Outlier ? null : e.StateGroup, e.RedactedBy)).ToListAsync(cancellationToken))
            {
                rows[row.EventId] = row;
            }
        }

        return rows;
    }

    private sealed record EventRow(string EventId, long? StateGroup, string? RedactedBy);
}
