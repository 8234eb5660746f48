using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Storage;

/// <summary>
/// Reads stored events as PDUs. Parsed PDUs are immutable, so bounded caches serve the auth checks and state lookups that
/// hit the same few events (create, power levels, members) again and again, and the timelines that show the same new
/// events to every member. Three tiers: the PDUs parsed most recently, the messages just written or received (a small
/// tier of their own, see <see cref="Remember"/>), and many more events kept as their JSON's UTF-8 bytes, parsed again on
/// a hit (a few microseconds; a parsed PDU weighs ~5 KB as a JSON tree, its bytes ~0.8 KB).
/// </summary>
public sealed class EventStore
{
    // About as many typical events as Synapse's default event cache (10 000): a generational cache holds between half its
    // bound and all of it, 8 000–16 000 here. Weighed by their size, not counted: an event may be 64 KiB, and ten
    // thousand of those would hold gigabytes. Held as parsed trees, ten thousand typical events were ~50 MB of the heap
    // after a load run (docs/benchmarks.md, fourteenth round); as bytes they are ~10 MB.
    private readonly GenerationalCache<string, EventBytes> _json = new(MaxWeight, StringComparer.Ordinal);

    // The parsed tier: enough for an initial sync's timelines and state across a hundred rooms with Element's 20 events a
    // room (~3 000 events: with half this bound, a fifth of such a sync's time went to parsing its events again; the
    // memory 10 s after a load did not move, docs/benchmarks.md, forty-fifth round).
    private readonly GenerationalCache<string, Pdu> _pdus = new(ParsedWeight, StringComparer.Ordinal);

    // The messages (events without a state key) just written or received: read next by the syncs they wake, rarely
    // later (a later read takes them from the database into the other tiers). Kept apart from the parsed tier so that
    // they die young: in that tier each one lived through a few thousand later events, long enough to reach the
    // collector's oldest generation, and a busy room's messages set off a full collection every second
    // (docs/benchmarks.md, fortieth round).
    private readonly GenerationalCache<string, Pdu> _recent = new(RecentWeight, StringComparer.Ordinal);

    /// <summary>The byte tier's bound, in <see cref="CacheWeight"/> units: 16 000 events under 2 KiB, or 480 of 64 KiB.</summary>
    internal const int MaxWeight = 16_000;

    /// <summary>The parsed tier's bound, in <see cref="CacheWeight"/> units.</summary>
    internal const int ParsedWeight = 6_000;

    /// <summary>
    /// The recent messages' bound, in <see cref="CacheWeight"/> units: the last 64–128 typical messages, a woken sync's
    /// reads. Larger bounds kept more of them alive at each young collection and promoted them: with 512, 16 senders set
    /// off twenty gen1 collections a run, with 128 one or two (docs/benchmarks.md, fortieth round).
    /// </summary>
    internal const int RecentWeight = 128;

    /// <summary>An event's JSON as stored in the byte tier.</summary>
    private sealed record EventBytes(byte[] Json, RoomVersion Version);

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
        foreach (var id in eventIds)
        {
            _pdus.Remove(id);
            _recent.Remove(id);
            _json.Remove(id);
        }
    }

    public async Task<Pdu?> GetAsync(HomeserverDbContext db, string eventId, CancellationToken cancellationToken)
    {
        var found = await GetManyAsync(db, [eventId], cancellationToken);
        return found.GetValueOrDefault(eventId);
    }

    /// <summary>The stored events among <paramref name="eventIds"/>, by ID (missing ones are absent).</summary>
    public async Task<Dictionary<string, Pdu>> GetManyAsync(IDbSource source, IEnumerable<string> eventIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, Pdu>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var id in eventIds)
        {
            if (result.ContainsKey(id)) continue;
            if (_pdus.TryGet(id, out var pdu) || _recent.TryGet(id, out pdu)) result[id] = pdu;
            else if (_json.TryGet(id, out var bytes)) result[id] = RememberParsed(Parse(bytes.Json, id, bytes.Version), bytes.Json.Length);
            else missing.Add(id);
        }

        if (missing.Count == 0) return result;
        var db = source.Db;
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
                var json = Encoding.UTF8.GetBytes(row.Json);
                RememberBytes(row.EventId, json, version);
                result[row.EventId] = RememberParsed(Parse(json, row.EventId, version), json.Length);
            }
        }

        return result;
    }

    /// <summary>
    /// Caches an event just written or received, parsed (it is read next: every member's sync shows it): a state event in
    /// the parsed tier (the auth checks and state lookups read it again and again), a message in the recent tier. Its
    /// bytes are not made now: serializing every event written cost the delivery's median 0.3 ms (docs/benchmarks.md,
    /// seventeenth round); once it has left its tier, a read takes it from the database into the byte and parsed tiers.
    /// </summary>
    public void Remember(Pdu pdu)
    {
        var weight = CacheWeight.OfJson(JsonLength(pdu.Json));
        (pdu.StateKey is null ? _recent : _pdus).Set(pdu.EventId, pdu, weight);
    }

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

    private static Pdu Parse(byte[] json, string eventId, RoomVersion version) =>
        Pdu.FromJson(JsonNode.Parse(json)!.AsObject(), eventId, version);

    private Pdu RememberParsed(Pdu pdu, int jsonLength)
    {
        _pdus.Set(pdu.EventId, pdu, CacheWeight.OfJson(jsonLength));
        return pdu;
    }

    private void RememberBytes(string eventId, byte[] json, RoomVersion version) =>
        _json.Set(eventId, new EventBytes(json, version), CacheWeight.OfJson(json.Length));

    /// <summary>Events cached parsed now (for tests).</summary>
    internal int ParsedCount => _pdus.Count;

    /// <summary>Messages cached in the recent tier now (for tests).</summary>
    internal int RecentCount => _recent.Count;

    /// <summary>Events cached as bytes now (for tests).</summary>
    internal int BytesCount => _json.Count;
}
