using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Sync.Sliding.Extensions;

namespace Matrix.Homeserver.Sync.Sliding;

/// <summary>
/// Simplified sliding sync (MSC4186): resumes the connection at the client's pos, computes the
/// answer for the window after it, and when there is nothing new waits on the same
/// <see cref="SyncNotifier"/> as /sync (a parked task, no polling, no database connection held)
/// until something for this user commits or the timeout passes. A new connection answers at once.
/// Each computation runs in its own service scope; only the answer returned stores a new pos.
/// </summary>
internal sealed class SlidingSyncService(
    IServiceScopeFactory scopes,
    StreamIdGenerator streams,
    EphemeralSerial serial,
    SyncNotifier notifier,
    SlidingConnections connections,
    HomeserverOptions options,
    TimeProvider clock)
{
    private sealed record Answer(JsonObject Json, ConnectionSnapshot Snapshot, bool HasNews);

    public async Task<JsonObject> SyncAsync(Requester requester, SlidingSyncRequest request, string? pos, long timeoutMs, CancellationToken cancellationToken)
    {
        var connId = request.ConnId ?? "";
        var previous = connections.Resume(requester.UserId, requester.DeviceId, connId, pos);
        var timeout = TimeSpan.FromMilliseconds(previous is null ? 0 : Math.Min(timeoutMs, options.Sync.MaxTimeoutMs));
        var started = clock.GetTimestamp();
        Answer answer;
        while (true)
        {
            var version = notifier.Version(requester.UserId);
            answer = await BuildAsync(requester, connId, request, previous, cancellationToken);
            var remaining = timeout - clock.GetElapsedTime(started);
            if (answer.HasNews || remaining <= TimeSpan.Zero) break;
            if (!await notifier.WaitAsync(requester.UserId, version, remaining, cancellationToken))
            {
                // Timed out: answer at the current positions, so the next pos skips what was not for the user.
                answer = await BuildAsync(requester, connId, request, previous, cancellationToken);
                break;
            }
        }

        answer.Json["pos"] = connections.Store(requester.UserId, requester.DeviceId, connId, answer.Snapshot);
        return answer.Json;
    }

    private async Task<Answer> BuildAsync(Requester requester, string connId, SlidingSyncRequest request, ConnectionSnapshot? previous, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<HomeserverDbContext>();
        var lists = services.GetRequiredService<SlidingRoomLists>();
        var upTo = new SyncToken(streams.Current, serial.Current);
        var userId = requester.UserId;

        var rooms = await lists.LoadAsync(db, userId, upTo.Position, previous?.Token.Position, cancellationToken);
        var listResults = await lists.ApplyAsync(db, rooms, request.Lists ?? [], cancellationToken);
        var selected = new Dictionary<string, RoomConfig>(StringComparer.Ordinal);
        foreach (var (name, list) in request.Lists ?? [])
        {
            foreach (var roomId in listResults[name].RoomIds) Select(selected, roomId, ConfigOf(list, userId));
        }

        var subscribed = (request.RoomSubscriptions ?? []).Where(s => rooms.ContainsKey(s.Key)).ToList();
        foreach (var (roomId, parameters) in subscribed) Select(selected, roomId, ConfigOf(parameters, userId));

        var context = new SlidingSyncContext
        {
            Requester = requester,
            ConnId = connId,
            Db = db,
            Previous = previous,
            UpTo = upTo,
            Rooms = rooms,
            Selected = selected,
            Lists = listResults,
            Subscribed = subscribed.Select(s => s.Key).ToHashSet(StringComparer.Ordinal),
        };
        if (previous is null) services.GetRequiredService<SlidingRoomState>().StartConnection(context);
        var (roomsJson, sent) = await services.GetRequiredService<SlidingRoomsBuilder>().BuildAsync(context, cancellationToken);
        var (extensions, extensionNews) = await services.GetRequiredService<SlidingExtensions>().BuildAsync(context, request.Extensions, cancellationToken);

        var counts = listResults.ToImmutableDictionary(l => l.Key, l => l.Value.Count, StringComparer.Ordinal);
        var countsChanged = previous is null || !counts.OrderBy(c => c.Key, StringComparer.Ordinal).SequenceEqual(previous.ListCounts.OrderBy(c => c.Key, StringComparer.Ordinal));
        var json = new JsonObject();
        if (listResults.Count > 0) json["lists"] = new JsonObject([.. listResults.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)new JsonObject { ["count"] = l.Value.Count }))]);
        json["rooms"] = new JsonObject([.. roomsJson.Select(r => KeyValuePair.Create(r.Key, (JsonNode?)r.Value))]);
        json["extensions"] = extensions;
        return new Answer(json, new ConnectionSnapshot(upTo, sent, counts), roomsJson.Count > 0 || extensionNews || countsChanged);
    }

    private static RoomConfig ConfigOf(RoomParameters parameters, string userId) => new(RequiredState.From(parameters.RequiredState, userId), parameters.TimelineLimit);

    private static void Select(Dictionary<string, RoomConfig> selected, string roomId, RoomConfig config) =>
        selected[roomId] = selected.TryGetValue(roomId, out var existing) ? existing.Merge(config) : config;
}
