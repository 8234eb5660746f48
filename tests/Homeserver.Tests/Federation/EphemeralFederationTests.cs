using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;
using Matrix.Homeserver.Tests.Sync;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>Typing and read receipts between servers sharing a room: sent with the outbound EDU queue, shown in the other side's /sync.</summary>
[Collection(MembershipFederationCollection.Name)]
public sealed class EphemeralFederationTests(MembershipFederationFixture fixture)
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;

    /// <summary>A room of hs1 that a user of hs2 joined over federation.</summary>
    private async Task<(string RoomId, TestUser Alice, TestUser Bob)> SharedRoomAsync()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        (await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(roomId)}?via=hs1.test")).Ok();
        return (roomId, alice, bob);
    }

    private static Task<MatrixResponse> TypingAsync(TestHomeserver server, TestUser user, string roomId, bool typing) =>
        server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{RoomsClient.Path(roomId)}/typing/{RoomsClient.Path(user.UserId)}",
            new JsonObject { ["typing"] = typing, ["timeout"] = 20_000 }, user.AccessToken);

    private static List<string> Typers(JsonObject sync, string roomId) =>
        sync.JoinedRoom(roomId).Events("ephemeral").FirstOrDefault(e => e.Str("type") == "m.typing")?["content"]!["user_ids"]!.AsArray()
            .Select(u => u!.GetValue<string>()).ToList() ?? [];

    private static JsonObject? Receipts(JsonObject sync, string roomId) =>
        sync.JoinedRoom(roomId).Events("ephemeral").FirstOrDefault(e => e.Str("type") == "m.receipt")?["content"]?.AsObject();

    /// <summary>Syncs (from scratch) until <paramref name="seen"/> holds; false after 30 s.</summary>
    private static Task<bool> SyncUntilAsync(TestHomeserver server, TestUser user, Func<JsonObject, bool> seen) =>
        Eventually.HoldsAsync(async () => seen(await server.SyncAsync(user)));

    [Fact]
    public async Task Typing_reaches_the_other_servers_members_both_ways()
    {
        var (roomId, alice, bob) = await SharedRoomAsync();

        (await TypingAsync(Hs2, bob, roomId, true)).Ok();
        Assert.True(await SyncUntilAsync(Hs1, alice, s => Typers(s, roomId).Contains(bob.UserId)));
        (await TypingAsync(Hs2, bob, roomId, false)).Ok();
        Assert.True(await SyncUntilAsync(Hs1, alice, s => !Typers(s, roomId).Contains(bob.UserId)));

        (await TypingAsync(Hs1, alice, roomId, true)).Ok();
        Assert.True(await SyncUntilAsync(Hs2, bob, s => Typers(s, roomId).Contains(alice.UserId)));
    }

    [Fact]
    public async Task Read_receipts_reach_the_other_servers_members_both_ways()
    {
        var (roomId, alice, bob) = await SharedRoomAsync();
        var message = await Hs1.SendMessageAsync(roomId, alice, "read me");
        Assert.True(await Hs2.WaitForTimelineAsync([message]));

        (await Hs2.PostAsync(bob, $"/rooms/{RoomsClient.Path(roomId)}/receipt/m.read/{Uri.EscapeDataString(message)}")).Ok();
        Assert.True(await SyncUntilAsync(Hs1, alice, s => Receipts(s, roomId)?[message]?["m.read"]?[bob.UserId] is not null));

        var reply = await Hs2.SendMessageAsync(roomId, bob, "read mine");
        Assert.True(await Hs1.WaitForTimelineAsync([reply]));
        (await Hs1.PostAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/read_markers", new JsonObject { ["m.read"] = reply })).Ok();
        Assert.True(await SyncUntilAsync(Hs2, bob, s => Receipts(s, roomId)?[reply]?["m.read"]?[alice.UserId] is not null));

        // A private receipt stays home.
        (await Hs2.PostAsync(bob, $"/rooms/{RoomsClient.Path(roomId)}/receipt/m.read.private/{Uri.EscapeDataString(reply)}")).Ok();
        await Task.Delay(500);
        Assert.Null(Receipts(await Hs1.SyncAsync(alice), roomId)?[reply]?["m.read.private"]);
    }

    [Fact]
    public async Task Edus_about_other_servers_users_or_non_members_are_ignored()
    {
        var (roomId, alice, bob) = await SharedRoomAsync();
        var message = await Hs1.SendMessageAsync(roomId, alice, "hello");
        var stranger = "@stranger:hs3.test";
        var edus = new JsonArray
        {
            // hs3 speaking for hs2's user, and for its own user who is not in the room.
            Edu("m.typing", new JsonObject { ["room_id"] = roomId, ["user_id"] = bob.UserId, ["typing"] = true }),
            Edu("m.typing", new JsonObject { ["room_id"] = roomId, ["user_id"] = stranger, ["typing"] = true }),
            Edu("m.receipt", new JsonObject
            {
                [roomId] = new JsonObject
                {
                    ["m.read"] = new JsonObject
                    {
                        [bob.UserId] = new JsonObject { ["event_ids"] = new JsonArray(message), ["data"] = new JsonObject { ["ts"] = 1 } },
                        [stranger] = new JsonObject { ["event_ids"] = new JsonArray(message), ["data"] = new JsonObject { ["ts"] = 1 } },
                    },
                },
            }),
        };
        var transaction = new JsonObject { ["origin"] = "hs3.test", ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ["pdus"] = new JsonArray(), ["edus"] = edus };
        (await fixture.Servers.SendTransactionAsync("hs3.test", "hs1.test", transaction)).Ok();

        var sync = await Hs1.SyncAsync(alice);
        Assert.Empty(Typers(sync, roomId));
        Assert.Null(Receipts(sync, roomId)?[message]);
    }

    private static JsonObject Edu(string type, JsonObject content) => new() { ["edu_type"] = type, ["content"] = content };
}
