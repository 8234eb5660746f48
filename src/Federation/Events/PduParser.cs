using System.Text;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Events;

/// <summary>
/// Turns a received PDU into a <see cref="Pdu"/> after checking the event format of its room version: canonical
/// JSON (strict from v6), the 64 KiB size limit, required keys and their types, identifier grammar, field lengths,
/// and the prev_events/auth_events bounds Synapse enforces. Signatures and hashes are checked separately
/// (<see cref="EventSigning"/>, <see cref="EventHashes"/>).
/// </summary>
public static class PduParser
{
    public const int MaxPduBytes = 65_536;
    public const int MaxFieldBytes = 255;
    public const int MaxPrevEvents = 20;
    public const int MaxAuthEvents = 10;
    public const long MaxDepth = (1L << 53) - 1;

    /// <exception cref="PduValidationException">The PDU is not valid for <paramref name="version"/>.</exception>
    public static Pdu Parse(ReadOnlySpan<byte> utf8, RoomVersion version)
    {
        JsonObject json;
        try
        {
            json = CanonicalJsonParser.ParseObject(utf8, version.StrictCanonicalJson ? CanonicalJsonParserOptions.Strict : CanonicalJsonParserOptions.Lenient);
        }
        catch (CanonicalJsonException ex)
        {
            throw new PduValidationException(PduValidationError.InvalidJson, null, ex.Message, ex);
        }

        return Parse(json, version);
    }

    /// <summary>Validates an already parsed PDU (e.g. one of a transaction's pdus). The object becomes the Pdu's JSON.</summary>
    /// <param name="enforceReferenceLimits">
    /// False for events pulled as history or auth chains (/backfill, /state, /event_auth): the spec says not to hold
    /// those to the prev_events/auth_events counts, which older events may exceed.
    /// </param>
    /// <exception cref="PduValidationException">The PDU is not valid for <paramref name="version"/>.</exception>
    public static Pdu Parse(JsonObject json, RoomVersion version, bool enforceReferenceLimits = true) => Parse(json, version, computedEventId: null, enforceReferenceLimits);

    /// <summary>An event this server just built: its v3+ ID was computed with its signature (<see cref="EventBuilder"/>).</summary>
    internal static Pdu Parse(JsonObject json, RoomVersion version, string? computedEventId, bool enforceReferenceLimits = true)
    {
        CheckSize(json, version);

        var type = RequiredString(json, PduKeys.Type);
        var sender = RequiredString(json, PduKeys.Sender);
        if (!UserId.TryParse(sender, out _, out var senderError)) throw InvalidIdentifier(PduKeys.Sender, senderError);
        var stateKey = OptionalString(json, PduKeys.StateKey);
        var isV12Create = version.RoomIdIsCreateEventHash && type == EventTypes.Create && stateKey == "";

        RequiredInteger(json, PduKeys.OriginServerTs);
        var depth = RequiredInteger(json, PduKeys.Depth);
        if (depth is < 0 or > MaxDepth) throw new PduValidationException(PduValidationError.InvalidDepth, PduKeys.Depth, "must lie in [0, 2^53-1]");
        Required<JsonObject>(json, PduKeys.Content, "an object");
        CheckHashes(json);
        CheckSignatures(json);
        if (!version.RedactsInContent) OptionalString(json, PduKeys.Redacts);

        var roomId = isV12Create ? null : RequiredString(json, PduKeys.RoomId);
        if (isV12Create && json.ContainsKey(PduKeys.RoomId))
        {
            throw new PduValidationException(PduValidationError.CreateEventHasRoomId, PduKeys.RoomId, "a v12 create event must not have a room_id");
        }

        if (roomId is not null && !RoomId.TryParse(roomId, out _, out var roomError)) throw InvalidIdentifier(PduKeys.RoomId, roomError);

        var prevEvents = References(json, PduKeys.PrevEvents, version, enforceReferenceLimits ? MaxPrevEvents : int.MaxValue, PduValidationError.TooManyPrevEvents);
        var authEvents = References(json, PduKeys.AuthEvents, version, enforceReferenceLimits ? MaxAuthEvents : int.MaxValue, PduValidationError.TooManyAuthEvents);
        if (version.RoomIdIsCreateEventHash && roomId is not null && authEvents.Contains(RoomId.CreateEventIdOf(roomId)))
        {
            throw new PduValidationException(PduValidationError.AuthEventsListCreateEvent, PduKeys.AuthEvents, "must not list the create event in v12");
        }

        string eventId;
        if (version.EventFormat == EventFormat.V1)
        {
            eventId = RequiredString(json, PduKeys.EventId);
            if (!EventId.TryParse(eventId, out _, out var idError, version)) throw InvalidIdentifier(PduKeys.EventId, idError);
        }
        else
        {
            eventId = computedEventId ?? EventIds.Compute(json, version);
        }

        var lengths = new LengthCheck(version);
        lengths.Check(PduKeys.Sender, sender);
        lengths.Check(PduKeys.RoomId, roomId);
        lengths.Check(PduKeys.StateKey, stateKey);
        lengths.Check(PduKeys.Type, type);
        lengths.Check(PduKeys.EventId, eventId);

        Pdu pdu;
        try
        {
            pdu = Pdu.FromJson(json, eventId, version);
        }
        catch (PduFormatException ex)
        {
            throw new PduValidationException(PduValidationError.WrongType, null, ex.Message, ex);
        }

        lengths.ThrowIfLenient(pdu);
        return pdu;
    }

    private static void CheckSize(JsonObject json, RoomVersion version)
    {
        int size;
        try
        {
            size = CanonicalJson.GetByteCount(json, [], version.CanonicalMode());
        }
        catch (CanonicalJsonException ex)
        {
            throw new PduValidationException(PduValidationError.InvalidJson, null, ex.Message, ex);
        }

        if (size > MaxPduBytes) throw new PduValidationException(PduValidationError.TooLarge, null, $"the event is {size} bytes of canonical JSON, the limit is {MaxPduBytes}");
    }

    private static void CheckHashes(JsonObject json)
    {
        var hashes = Required<JsonObject>(json, PduKeys.Hashes, "an object");
        if (hashes[PduKeys.Sha256] is not JsonValue v || !v.TryGetValue(out string? _))
        {
            throw new PduValidationException(PduValidationError.WrongType, PduKeys.Hashes, "must hold a sha256 string");
        }
    }

    private static void CheckSignatures(JsonObject json)
    {
        foreach (var (server, keys) in Required<JsonObject>(json, PduKeys.Signatures, "an object"))
        {
            if (keys is not JsonObject byKey || byKey.Any(entry => entry.Value is not JsonValue v || !v.TryGetValue(out string? _)))
            {
                throw new PduValidationException(PduValidationError.WrongType, PduKeys.Signatures, $"signatures of {server} must map key IDs to strings");
            }
        }
    }

    private static string[] References(JsonObject json, string key, RoomVersion version, int max, PduValidationError tooMany)
    {
        var array = Required<JsonArray>(json, key, "an array");
        if (array.Count > max) throw new PduValidationException(tooMany, key, $"{array.Count} entries, at most {max} are allowed");
        var ids = new string[array.Count];
        for (var i = 0; i < array.Count; i++)
        {
            // v1/v2 reference events as [event_id, {"sha256": reference hash}] pairs; later versions by bare ID.
            var item = array[i];
            if (version.EventFormat == EventFormat.V1)
            {
                if (item is not JsonArray { Count: 2 } pair || pair[1] is not JsonObject)
                {
                    throw new PduValidationException(PduValidationError.WrongType, key, $"entry {i} must be an [event ID, hashes] pair");
                }

                item = pair[0];
            }

            if (item is not JsonValue v || !v.TryGetValue(out string? id)) throw new PduValidationException(PduValidationError.WrongType, key, $"entry {i} must be an event ID string");
            if (!EventId.TryParse(id, out _, out var error, version)) throw InvalidIdentifier(key, error);
            ids[i] = id;
        }

        return ids;
    }

    private static T Required<T>(JsonObject json, string key, string description)
        where T : JsonNode
    {
        if (!json.TryGetPropertyValue(key, out var node) || node is null) throw new PduValidationException(PduValidationError.MissingKey, key, "is required");
        return node as T ?? throw new PduValidationException(PduValidationError.WrongType, key, $"must be {description}");
    }

    private static string RequiredString(JsonObject json, string key) =>
        Required<JsonValue>(json, key, "a string").TryGetValue(out string? s) ? s : throw new PduValidationException(PduValidationError.WrongType, key, "must be a string");

    private static string? OptionalString(JsonObject json, string key) =>
        json.ContainsKey(key) ? RequiredString(json, key) : null;

    private static long RequiredInteger(JsonObject json, string key) =>
        Required<JsonValue>(json, key, "an integer").TryGetValue(out long l) ? l : throw new PduValidationException(PduValidationError.WrongType, key, "must be an integer");

    private static PduValidationException InvalidIdentifier(string key, IdentifierError error) =>
        new(PduValidationError.InvalidIdentifier, key, IdentifierErrors.Describe(error));

    /// <summary>
    /// The 255-limit on identifiers. Synapse always enforced it in code points; bytes only from v11, and before
    /// that an event over the byte limit is kept as rejected.
    /// </summary>
    private struct LengthCheck(RoomVersion version)
    {
        private (string Key, string Message)? _lenient;

        public void Check(string key, string? value)
        {
            // A UTF-16 unit encodes to at most 3 bytes, so short strings need no counting.
            if (value is null || value.Length <= MaxFieldBytes / 3) return;
            var bytes = Encoding.UTF8.GetByteCount(value);
            if (bytes <= MaxFieldBytes) return;
            var message = $"{bytes} bytes, the limit is {MaxFieldBytes}";
            if (version.StrictEventByteLimits || value.EnumerateRunes().Count() > MaxFieldBytes) throw new PduValidationException(PduValidationError.FieldTooLong, key, message);
            _lenient ??= (key, message);
        }

        public readonly void ThrowIfLenient(Pdu pdu)
        {
            if (_lenient is var (key, message)) throw new PduValidationException(PduValidationError.FieldTooLong, key, message) { RejectedEvent = pdu };
        }
    }
}
