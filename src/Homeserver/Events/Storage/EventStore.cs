using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Matrix.Homeserver.Events.Storage;

/// <summary>
/// Reads stored events as PDUs. Parsed PDUs are immutable, so a bounded cache of them serves the
/// auth checks and state lookups that hit the same few events (create, power levels, members) again and again.
/// </summary>
public sealed class EventStore : IDisposable
{
    // As many typical events as Synapse's default event cache: a parsed PDU weighs several KiB as a JSON tree, and 50 000
    // of them held ~300 MiB after a 100 000-event load (docs/benchmarks.md, sixth round). Weighed by their size, not
    // counted: an event may be 64 KiB, and ten thousand of those would hold gigabytes.
    private readonly MemoryCache _pdus = new(new MemoryCacheOptions { SizeLimit = MaxWeight });

    /// <summary>The cache's bound, in <see cref="CacheWeight"/> units: ten thousand events under 2 KiB, or 300 of 64 KiB.</summary>
    internal const int MaxWeight = 10_000;

    private readonly ConcurrentDictionary<string, RoomVersion> _roomVersions = new(StringComparer.Ordinal);

    /// <summary>The version of a room this server knows, or null.</summary>
    public async Task<RoomVersion?> GetRoomVersionAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken)
    {
        if (_roomVersions.TryGetValue(roomId, out var known)) return known;
        var id = await db.Rooms.AsNoTracking().Where(r => r.RoomId == roomId).Select(r => r.RoomVersion).FirstOrDefaultAsync(cancellationToken);
        if (id is null || RoomVersions.Find(id) is not { } version) return null;
        _roomVersions[roomId] = version;
        return version;
    }

    public void RememberRoomVersion(string roomId, RoomVersion version) => _roomVersions[roomId] = version;

    /// <summary>Drops a purged room's version and events from the caches, so nothing of it is served from memory.</summary>
    public void ForgetRoom(string roomId, IEnumerable<string> eventIds)
    {
        _roomVersions.TryRemove(roomId, out _);
        foreach (var id in eventIds) _pdus.Remove(id);
    }

    public async Task<Pdu?> GetAsync(HomeserverDbContext db, string eventId, CancellationToken cancellationToken)
    {
        var found = await GetManyAsync(db, [eventId], cancellationToken);
        return found.GetValueOrDefault(eventId);
    }

    /// <summary>The stored events among <paramref name="eventIds"/>, by ID (missing ones are absent).</summary>
    public async Task<Dictionary<string, Pdu>> GetManyAsync(HomeserverDbContext db, IEnumerable<string> eventIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, Pdu>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var id in eventIds)
        {
            if (result.ContainsKey(id)) continue;
            if (_pdus.TryGetValue(id, out Pdu? pdu)) result[id] = pdu!;
            else missing.Add(id);
        }

        foreach (var batch in missing.Distinct().Chunk(500))
        {
            var rows = await db.Events.AsNoTracking()
                .Where(e => batch.Contains(e.EventId))
                .Select(e => new { e.EventId, e.RoomId, e.Json })
                .ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                var version = await GetRoomVersionAsync(db, row.RoomId, cancellationToken)
                    ?? throw new InvalidOperationException($"event {row.EventId} is in a room of unknown version");
                var pdu = Pdu.FromJson(JsonNode.Parse(row.Json)!.AsObject(), row.EventId, version);
                Remember(pdu, row.Json.Length);
                result[row.EventId] = pdu;
            }
        }

        return result;
    }

    /// <summary>Caches an event just written or received (its JSON is measured: a walk of the tree, no copy).</summary>
    public void Remember(Pdu pdu) => Remember(pdu, JsonLength(pdu.Json));

    /// <summary>
    /// The canonical length; the plain one when canonical JSON cannot encode the PDU (a float in unsigned data), so that
    /// caching never fails a caller. The writer's callers store the same canonical JSON first, which refuses such a PDU
    /// before it gets here; the fallback keeps this public method safe on its own.
    /// </summary>
    private static int JsonLength(JsonObject json)
    {
        try
        {
            return CanonicalJson.GetByteCount(json, [], CanonicalJsonMode.Lenient);
        }
        catch (CanonicalJsonException)
        {
            return json.ToJsonString().Length;
        }
    }

    private void Remember(Pdu pdu, int jsonLength) =>
        _pdus.Set(pdu.EventId, pdu, new MemoryCacheEntryOptions { Size = CacheWeight.OfJson(jsonLength) });

    /// <summary>Events cached now (for tests).</summary>
    internal int CachedCount => _pdus.Count;

    public void Dispose() => _pdus.Dispose();
}
