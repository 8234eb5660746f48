using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Accounts.Filters;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Sync;

/// <summary>
/// GET /events, the event stream /sync replaced (deprecated in r0, still called by older clients and SyTest's helpers):
/// what happened for the user after <c>from</c>, as one flat list. It is an incremental /sync (the same waits, tokens
/// and visibility) whose answer is flattened: timeline, typing, receipts and room account data with their room_id,
/// the invites, then global account data and presence. Without <c>from</c> it starts now; a room's pagination token
/// (<c>s&lt;n&gt;</c>) is a position of the same stream. <c>room_id</c> keeps one
/// room's events; of a room the user is not in, only a world-readable one may be asked about (403 otherwise, as
/// Synapse), and peeking is not supported (nothing of it comes).
/// </summary>
public static class EventStream
{
    /// <summary>Timeline events per room per answer: more than that since <c>from</c> and the oldest are skipped, as /sync's gap.</summary>
    private const int TimelineLimit = 100;

    public static IEndpointRouteBuilder MapEventStreamApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_matrix/client/v3/events", GetAsync);
        return app;
    }

    private static async Task<IResult> GetAsync(Requester requester, string? from, string? timeout, string? limit, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "room_id")] string? roomId,
        StreamIdGenerator streams, EphemeralSerial serial, IServiceProvider services, CancellationToken cancellationToken)
    {
        var since = from is null ? new SyncToken(streams.Current, serial.Current)
            : SyncToken.TryParse(from, out var token) ? token
            // A room's pagination token (the initialSyncs' messages.end) names a position of the same stream, as in
            // Synapse where they are one token type: typing and presence are then taken as of now.
            : RoomStreamToken.TryParse(from, out var roomToken) && roomToken.Position >= 0 ? new SyncToken(roomToken.Position, serial.Current)
            : throw MatrixException.InvalidParam("from is not a token of this stream");
        var timeoutMs = NonNegative(timeout, "timeout") ?? 0;
        NonNegative(limit, "limit");
        // Guests may use it for room previews only (the spec's guest access list; Synapse asks them for a room_id too).
        if (requester.IsGuest && roomId is null) throw new MatrixException(403, ErrorCodes.GuestAccessForbidden, "Guests must give a room_id");
        var peeking = false;
        if (roomId is not null)
        {
            RequestIds.RoomId(roomId);
            peeking = await IsPeekAsync(services, requester.UserId, roomId, cancellationToken);
        }

        var room = new JsonObject { ["timeline"] = new JsonObject { ["limit"] = TimelineLimit }, ["state"] = new JsonObject { ["types"] = new JsonArray() } };
        if (roomId is not null) room["rooms"] = new JsonArray(roomId);
        // Parsed from text, as a client's filter is: the parser reads numbers as the JSON reader gives them.
        var filter = FilterParser.Parse(JsonNode.Parse(new JsonObject { ["room"] = room }.ToJsonString())!.AsObject());
        var request = new SyncRequest(null, since, FullState: false, Presence.PresenceState.Online, timeoutMs, UseStateAfter: false);
        var answer = await services.GetRequiredService<SyncService>().SyncAsync(requester, request, filter, cancellationToken);

        var buffer = new ArrayBufferWriter<byte>();
        await using (var writer = new Utf8JsonWriter(buffer)) answer.WriteTo(writer);
        answer.Release();
        var sync = JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
        return Results.Json(new JsonObject
        {
            ["start"] = since.ToString(),
            ["end"] = sync["next_batch"]!.DeepClone(),
            // A non-member's view of a world-readable room has only that room's events (no peeking yet: none come).
            ["chunk"] = LegacyEventFormat.ToV1(new JsonArray([.. Flatten(sync, requester.UserId).Where(e => !peeking || e["room_id"]?.GetValue<string>() == roomId)])),
        });
    }

    /// <summary>
    /// Whether <paramref name="userId"/> asks about a room it is not joined to: allowed for a world-readable room (true),
    /// 403 otherwise, as Synapse refuses a preview.
    /// </summary>
    private static async Task<bool> IsPeekAsync(IServiceProvider services, string userId, string roomId, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<Storage.HomeserverDbContext>();
        var state = services.GetRequiredService<Matrix.Homeserver.Rooms.State.RoomStateReader>();
        if (await state.GetMembershipAsync(db, roomId, userId, cancellationToken) == Matrix.Federation.Events.Memberships.Join) return false;
        if (await state.IsWorldReadableAsync(db, roomId, cancellationToken)) return true;
        throw MatrixException.Forbidden($"User {userId} not in room {roomId}, and room previews are disabled");
    }

    private static IEnumerable<JsonNode> Flatten(JsonObject sync, string userId)
    {
        var rooms = sync["rooms"] as JsonObject;
        foreach (var section in new[] { "join", "leave" })
        {
            foreach (var (roomId, node) in rooms?[section] as JsonObject ?? [])
            {
                foreach (var path in new[] { "timeline", "ephemeral", "account_data" })
                {
                    foreach (var e in Events(node?[path])) yield return WithRoom(e, roomId);
                }
            }
        }

        // An invite's own member event, as the stream gave it; the rest of the stripped state is not an event of the room's.
        foreach (var (roomId, node) in rooms?["invite"] as JsonObject ?? [])
        {
            foreach (var e in Events(node?["invite_state"]).Where(e => e["type"]?.GetValue<string>() == "m.room.member" && e["state_key"]?.GetValue<string>() == userId))
            {
                yield return WithRoom(e, roomId);
            }
        }

        foreach (var e in Events(sync["account_data"])) yield return e.DeepClone();
        foreach (var e in Events(sync["presence"]))
        {
            if (e["sender"]?.GetValue<string>() is { } sender && e["content"] is JsonObject content)
            {
                yield return Presence.PresenceService.LegacyEvent(sender, (JsonObject)content.DeepClone());
            }
        }
    }

    private static IEnumerable<JsonObject> Events(JsonNode? container) => (container?["events"] as JsonArray ?? []).OfType<JsonObject>();

    private static JsonObject WithRoom(JsonObject e, string roomId)
    {
        var copy = e.DeepClone().AsObject();
        copy["room_id"] = roomId;
        return copy;
    }

    private static long? NonNegative(string? value, string name) =>
        value is null ? null
        : long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : throw MatrixException.InvalidParam($"{name} must be a non-negative integer");
}
