using System.Text.Json.Nodes;
using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.Sync.Typing;

/// <summary>
/// Who is typing where (spec: "Typing Notifications"): in memory only, each entry expiring after its
/// timeout. Every change of a room's list takes an ephemeral serial and wakes the room's local
/// members. One timer, armed for the next expiry, removes expired typers: an idle server runs nothing.
/// Rooms keep their last serial after everyone stopped, so a client that saw someone typing learns they stopped.
/// </summary>
public sealed class TypingService : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RoomTyping> _rooms = new(StringComparer.Ordinal);
    private readonly EphemeralSerial _serial;
    private readonly SyncWakeups _wakeups;
    private readonly HomeserverOptions _options;
    private readonly TimeProvider _clock;
    private readonly ITimer _expiry;
    private readonly ILogger<TypingService> _logger;
    private readonly AppServiceEphemeral _appServices;

    public TypingService(EphemeralSerial serial, SyncWakeups wakeups, HomeserverOptions options, TimeProvider clock, ILogger<TypingService> logger,
        AppServiceEphemeral appServices)
    {
        _appServices = appServices;
        _serial = serial;
        _wakeups = wakeups;
        _options = options;
        _clock = clock;
        _logger = logger;
        _expiry = clock.CreateTimer(_ => _ = ExpireAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Marks the user typing for <paramref name="timeoutMs"/> (capped), or not typing.</summary>
    public async Task SetAsync(string roomId, string userId, bool typing, long timeoutMs, CancellationToken cancellationToken)
    {
        bool changed;
        lock (_gate)
        {
            if (!_rooms.TryGetValue(roomId, out var room)) _rooms[roomId] = room = new RoomTyping();
            if (typing)
            {
                var until = Now() + Math.Clamp(timeoutMs, 0, _options.Sync.MaxTypingTimeoutMs);
                changed = !room.Typers.ContainsKey(userId);
                room.Typers[userId] = until;
            }
            else
            {
                changed = room.Typers.Remove(userId);
            }

            // Renewing a typing notification changes nothing anyone sees.
            if (changed) room.Serial = _serial.Next();
            ArmTimer();
        }

        if (!changed) return;
        await _wakeups.RoomMembersAsync([roomId], cancellationToken);
        // Application services that asked for ephemeral events get the room's new list, with its room ID.
        if (CurrentEvent(roomId) is { } typingEvent)
        {
            typingEvent["room_id"] = roomId;
            await _appServices.RoomEventAsync(roomId, typingEvent, cancellationToken);
        }
    }

    /// <summary>The room's m.typing event as it is now, once its list has changed at least once.</summary>
    private JsonObject? CurrentEvent(string roomId)
    {
        lock (_gate) return _rooms.TryGetValue(roomId, out var room) && room.Serial > 0 ? TypingEvent(room) : null;
    }

    /// <summary>
    /// The m.typing events a sync sends: for rooms new to the client their current list (empty too) once anyone typed
    /// there since the server started, as Synapse sends it; for the others the list when it changed after
    /// <paramref name="since"/>. Every sync asks, and most rooms have had no typing: nothing is allocated for them.
    /// </summary>
    public List<(string RoomId, JsonObject Event)> ForSync(IEnumerable<string> roomIds, Func<string, bool> isFresh, long since, long upTo)
    {
        List<(string, JsonObject)>? result = null;
        lock (_gate)
        {
            if (_rooms.Count == 0) return [];
            foreach (var roomId in roomIds)
            {
                if (!_rooms.TryGetValue(roomId, out var room) || room.Serial <= 0 || room.Serial > upTo) continue;
                if (isFresh(roomId) || room.Serial > since) (result ??= []).Add((roomId, TypingEvent(room)));
            }
        }

        return result ?? [];
    }

    private static JsonObject TypingEvent(RoomTyping room) => new()
    {
        ["type"] = "m.typing",
        ["content"] = new JsonObject { ["user_ids"] = new JsonArray([.. room.Typers.Keys.Order(StringComparer.Ordinal).Select(u => JsonValue.Create(u))]) },
    };

    private async Task ExpireAsync()
    {
        var changedRooms = new List<string>();
        lock (_gate)
        {
            var now = Now();
            foreach (var (roomId, room) in _rooms)
            {
                var expired = room.Typers.Where(t => t.Value <= now).Select(t => t.Key).ToList();
                if (expired.Count == 0) continue;
                foreach (var user in expired) room.Typers.Remove(user);
                room.Serial = _serial.Next();
                changedRooms.Add(roomId);
            }

            ArmTimer();
        }

        try
        {
            if (changedRooms.Count > 0) await _wakeups.RoomMembersAsync(changedRooms, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The lists are already updated; the members see it on their next sync.
            _logger.LogWarning(e, "Could not wake the members of rooms whose typing expired");
        }
    }

    /// <summary>Sets the timer to the earliest expiry (under the lock).</summary>
    private void ArmTimer()
    {
        var next = _rooms.Values.SelectMany(r => r.Typers.Values).DefaultIfEmpty(long.MaxValue).Min();
        var due = next == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Max(0, next - Now()));
        _expiry.Change(due, Timeout.InfiniteTimeSpan);
    }

    private long Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    public void Dispose() => _expiry.Dispose();

    private sealed class RoomTyping
    {
        public Dictionary<string, long> Typers { get; } = new(StringComparer.Ordinal);
        public long Serial { get; set; }
    }
}
