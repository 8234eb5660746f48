using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.FederationApi.Events;
using Matrix.Homeserver.FederationApi.Ingest;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Membership;

/// <summary>What was made of a received invite_room_state or knock_room_state.</summary>
/// <param name="Events">The entries kept, in the stripped shape clients get (type, state_key, sender, content).</param>
/// <param name="Problem">Why an entry was refused (or the create event is missing); null when all were fine.</param>
/// <param name="OverLimit">The list broke the count or size bound: nothing of it should be taken in.</param>
public sealed record ReceivedStrippedState(JsonArray Events, string? Problem, bool OverLimit = false);

/// <summary>
/// The room state that describes a room to a user who is not in it (spec v1.16: invite_room_state and
/// knock_room_state): the create event, join rules, name, avatar, topic, canonical alias and encryption, plus the
/// inviter's membership, sent as full PDUs. What another server sends us is bounded in count, restricted to those
/// types, and each entry is checked like any received PDU (format, signatures, room) before it is kept in the
/// stripped shape; older servers' plain stripped events are accepted before room version 12.
/// </summary>
public sealed class StrippedRoomState(EventStore events, ReceivedPduChecks checks)
{
    /// <summary>A list longer than this is not taken in at all.</summary>
    public const int MaxEvents = 20;

    /// <summary>At most this much stripped state (bytes of JSON) is kept for one room.</summary>
    public const int MaxBytes = 65_536;

    private static readonly string[] Types =
    [
        EventTypes.Create, EventTypes.JoinRules, EventTypes.Name, EventTypes.Avatar, EventTypes.Topic, EventTypes.CanonicalAlias, EventTypes.Encryption,
    ];

    /// <summary>Our room's current state of those types (and the member event of <paramref name="member"/>) as PDUs for another server.</summary>
    public async Task<JsonArray> BuildAsync(HomeserverDbContext db, string roomId, string? member, CancellationToken cancellationToken)
    {
        var ids = await db.CurrentState.AsNoTracking()
            .Where(c => c.RoomId == roomId && ((c.StateKey == "" && Types.Contains(c.Type)) || (c.Type == EventTypes.Member && c.StateKey == member)))
            .Select(c => c.EventId).ToListAsync(cancellationToken);
        var pdus = await events.GetManyAsync(db, ids, cancellationToken);
        return new JsonArray([.. pdus.Values.OrderBy(p => p.Depth).Select(p => ServerEventView.ToFederation(p, redacted: false))]);
    }

    /// <summary>Checks what another server sent; see the class summary. Never throws for bad entries: the caller decides.</summary>
    public async Task<ReceivedStrippedState> CheckAsync(JsonNode? given, RoomVersion version, string roomId, CancellationToken cancellationToken)
    {
        var kept = new JsonArray();
        if (given is null) return new ReceivedStrippedState(kept, "the room state is missing");
        if (given is not JsonArray entries) return new ReceivedStrippedState(kept, "the room state is not a list");
        if (entries.Count > MaxEvents) return new ReceivedStrippedState(kept, $"the room state has {entries.Count} events, at most {MaxEvents} are accepted", OverLimit: true);

        string? problem = null;
        var hasCreate = false;
        var bytes = 0;
        foreach (var entry in entries.OfType<JsonObject>())
        {
            var (stripped, error) = await CheckEntryAsync(entry, version, roomId, cancellationToken);
            if (stripped is null)
            {
                problem ??= error;
                continue;
            }

            // Kept in the stored invite, whose JSON is canonical in the room version's mode: an old server's unchecked
            // entry with an integer beyond 2^53 in a v6+ room (the request's signature allows it, as v1-v5 events need)
            // could not be stored, so it is left out like any other bad entry.
            try
            {
                bytes += CanonicalJson.GetByteCount(stripped, [], version.CanonicalMode());
            }
            catch (CanonicalJsonException)
            {
                problem ??= "an entry is not canonical JSON";
                continue;
            }

            if (bytes > MaxBytes) return new ReceivedStrippedState([], $"the room state is over {MaxBytes} bytes", OverLimit: true);

            hasCreate |= stripped["type"]!.GetValue<string>() == EventTypes.Create;
            kept.Add(stripped);
        }

        if (entries.Count != entries.OfType<JsonObject>().Count()) problem ??= "an entry is not an object";
        if (!hasCreate && version.RoomIdIsCreateEventHash) problem ??= "the room's create event is missing";
        return new ReceivedStrippedState(kept, problem);
    }

    private async Task<(JsonObject? Stripped, string? Error)> CheckEntryAsync(JsonObject entry, RoomVersion version, string roomId, CancellationToken cancellationToken)
    {
        var type = entry["type"] is JsonValue t && t.TryGetValue(out string? s) ? s : null;
        if (type is null) return (null, "an entry has no type");
        // Other state is not the room's description: left out, but no fault of the sender's.
        if (!Types.Contains(type) && type != EventTypes.Member) return (null, null);

        var isPdu = entry.ContainsKey(PduKeys.Signatures) || entry.ContainsKey(PduKeys.Hashes);
        if (!isPdu)
        {
            // Before v1.16 servers sent stripped events, which cannot be checked; v12 rooms require PDUs.
            if (version.RoomIdIsCreateEventHash) return (null, "an entry is not a PDU");
            return IsStripped(entry) ? (Strip(entry), null) : (null, "an entry is not a stripped state event");
        }

        var checkedPdu = await checks.CheckAsync((JsonObject)entry.DeepClone(), version, roomId, enforceReferenceLimits: false, cancellationToken);
        if (checkedPdu.Pdu is not { IsState: true } pdu) return (null, checkedPdu.Error ?? "an entry is not a state event");
        return (ClientEventFormat.Stripped(pdu), null);
    }

    private static bool IsStripped(JsonObject entry) =>
        entry["content"] is JsonObject && entry["state_key"] is JsonValue k && k.TryGetValue(out string? _) && entry["sender"] is JsonValue v && v.TryGetValue(out string? _);

    private static JsonObject Strip(JsonObject entry) => new()
    {
        ["content"] = entry["content"]!.DeepClone(),
        ["sender"] = entry["sender"]!.DeepClone(),
        ["state_key"] = entry["state_key"]!.DeepClone(),
        ["type"] = entry["type"]!.DeepClone(),
    };
}
