using System.Globalization;
using System.Text.Json.Nodes;

namespace Matrix.Load.Scenarios;

/// <summary>
/// What a client's everyday requests cost, one at a time: logging in and out, sending, creating a private chat with
/// an invite, joining and leaving it, reading history and state, receipts and typing, a profile change in several
/// rooms, syncs, end-to-end key requests, search. Each is done <c>--repeats</c> (50) times after <c>--warmup</c> (5)
/// unmeasured ones; median and p99 of each.
/// </summary>
public sealed class RequestsScenario : IScenario
{
    private const int ProfileRooms = 5;

    public string Name => "requests";

    public async Task<JsonObject> RunAsync(LoadRun run, CancellationToken deadline)
    {
        var repeats = run.Options.Repeats(50);
        var warmup = run.Options.Warmup(5);
        var users = await run.RegisterUsersAsync(3, deadline);
        var (owner, peer, renamed) = (users[0], users[1], users[2]);
        var results = new JsonObject();
        var completed = true;

        async Task Time(string name, Func<int, Task> operation)
        {
            var latencies = await Latencies.OneAtATimeAsync(repeats, warmup, operation, deadline);
            results[name] = latencies.Summary();
            completed &= latencies.Count == repeats;
        }

        // One public room of both users with some history; the renamed user is in a few rooms of its own too.
        var roomId = await LoadRun.CreateRoomWithAsync(owner, [peer, renamed], deadline);
        var room = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}";
        var eventIds = new List<string>();
        for (var n = 0; n < 30; n++) eventIds.Add(await SendTextAsync(owner, room, $"history {n}"));
        for (var n = 1; n < ProfileRooms; n++) await renamed.CreateRoomAsync();
        var ownerDevice = (await owner.RequestAsync(HttpMethod.Get, "/_matrix/client/v3/account/whoami"))["device_id"]!.GetValue<string>();
        var lastEvent = Uri.EscapeDataString(eventIds[^1]);

        await Time("whoami", _ => owner.RequestAsync(HttpMethod.Get, "/_matrix/client/v3/account/whoami"));
        var sessions = new List<MatrixClient>();
        await Time("login", async _ => sessions.Add(await MatrixClient.LoginAsync(run.Http, owner.UserId, run.Password)));
        await Time("logout", n => sessions[n].RequestAsync(HttpMethod.Post, "/_matrix/client/v3/logout", new JsonObject()));
        await Time("send", n => SendTextAsync(owner, room, $"timed {n}"));
        await Time("topic", n => owner.SetStateAsync(roomId, "m.room.topic", "", new JsonObject { ["topic"] = $"load {run.RunId} topic {n}" }));

        var chats = new List<string>();
        await Time("create_private_chat_with_invite", async _ => chats.Add((await owner.RequestAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom",
            new JsonObject { ["preset"] = "private_chat", ["invite"] = new JsonArray(peer.UserId) }))["room_id"]!.GetValue<string>()));
        await Time("join_invited", n => peer.JoinAsync(chats[n]));
        await Time("leave", n => peer.RequestAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(chats[n])}/leave", new JsonObject()));

        await Time("messages_20", _ => peer.RequestAsync(HttpMethod.Get, $"{room}/messages?dir=b&limit=20"));
        await Time("context_10", _ => peer.RequestAsync(HttpMethod.Get, $"{room}/context/{lastEvent}?limit=10"));
        await Time("event", n => peer.RequestAsync(HttpMethod.Get, $"{room}/event/{Uri.EscapeDataString(eventIds[n % eventIds.Count])}"));
        await Time("state", _ => peer.GetAsync($"{room}/state"));
        await Time("members", _ => peer.RequestAsync(HttpMethod.Get, $"{room}/members"));
        await Time("joined_members", _ => peer.RequestAsync(HttpMethod.Get, $"{room}/joined_members"));
        await Time("receipt", n => peer.RequestAsync(HttpMethod.Post, $"{room}/receipt/m.read/{Uri.EscapeDataString(eventIds[n % eventIds.Count])}", new JsonObject()));
        await Time("read_markers", _ => peer.RequestAsync(HttpMethod.Post, $"{room}/read_markers",
            new JsonObject { ["m.fully_read"] = eventIds[^1], ["m.read"] = eventIds[^1] }));
        await Time("typing", _ => peer.RequestAsync(HttpMethod.Put, $"{room}/typing/{Uri.EscapeDataString(peer.UserId)}",
            new JsonObject { ["typing"] = true, ["timeout"] = 30000 }));
        await Time($"displayname_in_{ProfileRooms}_rooms", n => renamed.RequestAsync(HttpMethod.Put,
            $"/_matrix/client/v3/profile/{Uri.EscapeDataString(renamed.UserId)}/displayname", new JsonObject { ["displayname"] = $"Load {n}" }));

        string? since = null;
        await Time("sync_initial", async _ => since = (await peer.RequestAsync(HttpMethod.Get, "/_matrix/client/v3/sync"))["next_batch"]!.GetValue<string>());
        await Time("sync_nothing_new", _ => peer.RequestAsync(HttpMethod.Get, $"/_matrix/client/v3/sync?timeout=0&since={Uri.EscapeDataString(since!)}"));

        await Time("keys_upload_10", n => owner.RequestAsync(HttpMethod.Post, "/_matrix/client/v3/keys/upload", new JsonObject { ["one_time_keys"] = OneTimeKeys(n) }));
        await Time("keys_query", _ => peer.RequestAsync(HttpMethod.Post, "/_matrix/client/v3/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { [owner.UserId] = new JsonArray() } }));
        await Time("keys_claim", _ => peer.RequestAsync(HttpMethod.Post, "/_matrix/client/v3/keys/claim",
            new JsonObject { ["one_time_keys"] = new JsonObject { [owner.UserId] = new JsonObject { [ownerDevice] = "curve25519" } } }));
        await Time("send_to_device", n => peer.RequestAsync(HttpMethod.Put, $"/_matrix/client/v3/sendToDevice/m.load.test/{run.RunId}-{n}",
            new JsonObject { ["messages"] = new JsonObject { [owner.UserId] = new JsonObject { [ownerDevice] = new JsonObject { ["n"] = n } } } }));

        await Time("search", _ => peer.RequestAsync(HttpMethod.Post, "/_matrix/client/v3/search", new JsonObject
        {
            ["search_categories"] = new JsonObject { ["room_events"] = new JsonObject { ["search_term"] = "history" } },
        }));
        await Time("user_directory", _ => peer.RequestAsync(HttpMethod.Post, "/_matrix/client/v3/user_directory/search",
            new JsonObject { ["search_term"] = "load" + run.RunId, ["limit"] = 10 }));

        results["completed"] = completed;
        return results;
    }

    private static async Task<string> SendTextAsync(MatrixClient user, string room, string body) =>
        (await user.RequestAsync(HttpMethod.Put, $"{room}/send/m.room.message/{Guid.NewGuid():N}",
            new JsonObject { ["msgtype"] = "m.text", ["body"] = body }))["event_id"]!.GetValue<string>();

    /// <summary>Ten unsigned one-time keys with IDs no other upload of the run uses.</summary>
    private static JsonObject OneTimeKeys(int upload)
    {
        var keys = new JsonObject();
        for (var k = 0; k < 10; k++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"curve25519:L{upload:D4}{k}");
            keys[id] = Convert.ToBase64String(BitConverter.GetBytes((long)upload * 10 + k)).TrimEnd('=');
        }

        return keys;
    }
}
