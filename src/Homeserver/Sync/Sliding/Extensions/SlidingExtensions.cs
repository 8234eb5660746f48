using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Keys.DeviceLists;
using Matrix.Homeserver.Sync.Receipts;
using Matrix.Homeserver.Sync.Streams;
using Matrix.Homeserver.Sync.Typing;
using Matrix.Homeserver.ToDevice;

namespace Matrix.Homeserver.Sync.Sliding.Extensions;

/// <summary>
/// The "extensions" of an answer (MSC3885 to_device, MSC3884 e2ee, MSC3959 account_data, MSC3960
/// receipts, MSC3961 typing), each only when enabled, reusing sync v2's readers over the
/// connection's window. The room extensions cover the rooms of the lists and subscriptions they
/// name (all by default, "*" for all); rooms new to the connection get their whole share. The
/// encryption parts read the E2EE feature's <see cref="ToDeviceInbox"/>, <see cref="OneTimeKeyCounts"/>
/// and <see cref="DeviceListChangesReader"/>.
/// </summary>
internal sealed class SlidingExtensions(AccountDataReader accountData, TypingService typing)
{
    /// <summary>To-device messages per answer when the client does not say (Synapse's default).</summary>
    public const int DefaultToDeviceLimit = 100;

    /// <returns>The extensions object, and whether it tells the client anything new (which ends a long-poll).</returns>
    public async Task<(JsonObject Json, bool HasNews)> BuildAsync(SlidingSyncContext context, ExtensionsRequest? request, CancellationToken cancellationToken)
    {
        var json = new JsonObject();
        var news = false;
        if (request is null) return (json, news);
        if (request.ToDevice is { Enabled: true } td) news |= await AddToDeviceAsync(context, td, json, cancellationToken);
        if (request.E2ee is { Enabled: true }) news |= await AddE2eeAsync(context, json, cancellationToken);
        if (request.AccountData is { Enabled: true } ad) news |= await AddAccountDataAsync(context, ad, json, cancellationToken);
        if (request.Receipts is { Enabled: true } rc) news |= await AddReceiptsAsync(context, rc, json, cancellationToken);
        if (request.Typing is { Enabled: true } ty) news |= AddTyping(context, ty, json);
        return (json, news);
    }

    private static async Task<bool> AddToDeviceAsync(SlidingSyncContext context, ToDeviceRequest request, JsonObject json, CancellationToken cancellationToken)
    {
        long? since = null;
        if (request.Since is { } text)
        {
            since = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : throw MatrixException.InvalidParam("Invalid to_device since");
        }

        var limit = Math.Clamp(request.Limit ?? DefaultToDeviceLimit, 1, 1000);
        // Messages up to since are acknowledged (deleted); a page after it follows, and again on a retry.
        var (events, next) = await ToDeviceInbox.PageAsync(context.Db, context.UserId, context.Requester.DeviceId, since ?? 0, limit, cancellationToken);
        json["to_device"] = new JsonObject
        {
            ["next_batch"] = next.ToString(CultureInfo.InvariantCulture),
            ["events"] = new JsonArray([.. events.Select(e => e.Parent is null ? e : e.DeepClone())]),
        };
        return events.Count > 0;
    }

    private static async Task<bool> AddE2eeAsync(SlidingSyncContext context, JsonObject json, CancellationToken cancellationToken)
    {
        var counts = await OneTimeKeyCounts.CountAsync(context.Db, context.UserId, context.Requester.DeviceId, cancellationToken);
        var fallback = await OneTimeKeyCounts.UnusedFallbackAlgorithmsAsync(context.Db, context.UserId, context.Requester.DeviceId, cancellationToken);
        var e2ee = new JsonObject
        {
            ["device_one_time_keys_count"] = new JsonObject([.. counts.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))]),
            ["device_unused_fallback_key_types"] = new JsonArray([.. fallback.Select(t => JsonValue.Create(t))]),
        };
        json["e2ee"] = e2ee;
        // A new connection has nothing to catch up on: the client queries keys of everyone it tracks.
        if (context.Since is not { } since) return false;
        var (changed, left) = await DeviceListChangesReader.ReadAsync(context.Db, context.UserId, since.Position, context.UpTo.Position, cancellationToken);
        e2ee["device_lists"] = new JsonObject
        {
            ["changed"] = new JsonArray([.. changed.Order(StringComparer.Ordinal).Select(u => JsonValue.Create(u))]),
            ["left"] = new JsonArray([.. left.Order(StringComparer.Ordinal).Select(u => JsonValue.Create(u))]),
        };
        return changed.Count > 0 || left.Count > 0;
    }

    private async Task<bool> AddAccountDataAsync(SlidingSyncContext context, RoomExtensionRequest request, JsonObject json, CancellationToken cancellationToken)
    {
        var rooms = RoomsOf(context, request);
        var window = await accountData.ReadAsync(context.UserId, context.Since?.Position, context.UpTo.Position,
            [.. rooms.Where(context.InitialRooms.Contains)], cancellationToken);
        var byRoom = new JsonObject();
        foreach (var (roomId, events) in window.Rooms)
        {
            if (rooms.Contains(roomId) && events.Count > 0) byRoom[roomId] = new JsonArray([.. events.Select(e => e.ToJson())]);
        }

        json["account_data"] = new JsonObject { ["global"] = new JsonArray([.. window.Global.Select(e => e.ToJson())]), ["rooms"] = byRoom };
        return window.Global.Count > 0 || byRoom.Count > 0;
    }

    private static async Task<bool> AddReceiptsAsync(SlidingSyncContext context, RoomExtensionRequest request, JsonObject json, CancellationToken cancellationToken)
    {
        var rooms = JoinedRoomsOf(context, request);
        var fresh = rooms.Where(r => IsFresh(context, r)).ToList();
        var known = rooms.Where(r => !IsFresh(context, r)).ToHashSet(StringComparer.Ordinal);
        var receipts = await ReceiptReader.ReadAsync(context.Db, context.UserId, fresh, known, context.Since?.Position, context.UpTo.Position, cancellationToken);
        json["receipts"] = new JsonObject { ["rooms"] = new JsonObject([.. receipts.Select(r => KeyValuePair.Create(r.Key, (JsonNode?)r.Value))]) };
        return receipts.Count > 0;
    }

    private bool AddTyping(SlidingSyncContext context, RoomExtensionRequest request, JsonObject json)
    {
        var rooms = JoinedRoomsOf(context, request);
        var events = typing.ForSync(rooms, r => IsFresh(context, r), context.Since?.Serial ?? 0, context.UpTo.Serial).ToList();
        json["typing"] = new JsonObject { ["rooms"] = new JsonObject([.. events.Select(e => KeyValuePair.Create(e.RoomId, (JsonNode?)e.Event))]) };
        return events.Count > 0;
    }

    /// <summary>A room whose extension data starts from scratch: a new connection, or a room new to it.</summary>
    private static bool IsFresh(SlidingSyncContext context, string roomId) => context.Since is null || context.InitialRooms.Contains(roomId);

    private static List<string> JoinedRoomsOf(SlidingSyncContext context, RoomExtensionRequest request) =>
        [.. RoomsOf(context, request).Where(r => context.Rooms.TryGetValue(r, out var room) && room.IsJoined)];

    /// <summary>The rooms of the lists and subscriptions the extension names: absent or "*" for all.</summary>
    private static HashSet<string> RoomsOf(SlidingSyncContext context, RoomExtensionRequest request)
    {
        var rooms = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, list) in context.Lists)
        {
            if (Names(request.Lists, name)) rooms.UnionWith(list.RoomIds);
        }

        rooms.UnionWith(context.Subscribed.Where(r => Names(request.Rooms, r)));
        return rooms;
    }

    private static bool Names(List<string>? names, string name) => names is null || names.Contains("*") || names.Contains(name);
}
