using System.Text.Json.Nodes;
using Matrix.Homeserver.Sync.Presence;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;
using Matrix.Homeserver.Tests.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>Presence between servers sharing a room: m.presence EDUs out to the other servers, in to /sync and GET /presence.</summary>
[Collection(MembershipFederationCollection.Name)]
public sealed class PresenceFederationTests(MembershipFederationFixture fixture)
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;
    private TestHomeserver Hs3 => fixture.Hs3;

    [Fact]
    public async Task Presence_reaches_the_other_servers_sync_and_status_both_ways()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        await PresenceFederation.SharedRoomAsync(Hs1, alice, [(Hs2, bob)]);

        (await Hs1.Http.PutJsonAsync(PresenceFederation.StatusPath(alice), new JsonObject { ["presence"] = "unavailable", ["status_msg"] = "lunch" }, alice.AccessToken)).Ok();

        // Bob's syncs (set_presence online by default) also make him online, which hs1 hears of in turn.
        JsonObject? seen = null;
        Assert.True(await Eventually.HoldsAsync(async () => (seen = PresenceFederation.PresenceOf(await Hs2.SyncAsync(bob), alice))?.Str("status_msg") == "lunch"));
        Assert.Equal("unavailable", seen!.Str("presence"));

        var status = (await Hs2.Http.GetJsonAsync(PresenceFederation.StatusPath(alice), bob.AccessToken)).Ok();
        Assert.Equal("unavailable", status.Str("presence"));
        Assert.Equal("lunch", status.Str("status_msg"));
        // Alice was last active when she created the room, moments ago: the age is counted from when hs2 heard it.
        Assert.InRange(status["last_active_ago"]!.GetValue<long>(), 0, 60_000);

        Assert.True(await Eventually.HoldsAsync(async () =>
            (await Hs1.Http.GetJsonAsync(PresenceFederation.StatusPath(bob), alice.AccessToken)).Ok().Str("presence") == "online"));
    }

    [Fact]
    public async Task Servers_that_come_to_share_a_room_hear_each_others_members_presence_set_before()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        // Set while nobody on hs2 shares a room with Alice: nothing went to hs2 then.
        (await Hs1.Http.PutJsonAsync(PresenceFederation.StatusPath(alice), new JsonObject { ["presence"] = "unavailable", ["status_msg"] = "deep work" },
            alice.AccessToken)).Ok();
        (await Hs2.Http.PutJsonAsync(PresenceFederation.StatusPath(bob), new JsonObject { ["presence"] = "online", ["status_msg"] = "joining" },
            bob.AccessToken)).Ok();
        var remote = Hs2.Services.GetRequiredService<RemotePresence>();
        Assert.Null(remote.Get(alice.UserId));

        await PresenceFederation.SharedRoomAsync(Hs1, alice, [(Hs2, bob)]);

        // Each way: hs1 introduces Alice to hs2 once hs2's join is done, hs2 introduces its joiner Bob to hs1.
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(remote.Get(alice.UserId)?.StatusMsg == "deep work")));
        Assert.Equal("deep work", PresenceFederation.PresenceOf(await Hs2.SyncAsync(bob), alice)?.Str("status_msg"));
        var remoteOnHs1 = Hs1.Services.GetRequiredService<RemotePresence>();
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(remoteOnHs1.Get(bob.UserId)?.StatusMsg == "joining")));
    }

    [Fact]
    public async Task An_edu_about_another_servers_user_is_ignored()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        await PresenceFederation.SharedRoomAsync(Hs1, alice, [(Hs2, bob)]);
        await PresenceFederation.SettledAsync(Hs1, Hs2, bob);

        // hs3 speaking for hs2's user.
        await SendAsync("hs3.test", PresenceFederation.Entry(bob.UserId, "online", "forged"));

        var status = (await Hs1.Http.GetJsonAsync(PresenceFederation.StatusPath(bob), alice.AccessToken)).Ok();
        Assert.Equal("offline", status.Str("presence"));
        Assert.Null(status["status_msg"]);
    }

    [Fact]
    public async Task A_user_nobody_here_shares_a_room_with_is_ignored()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var dave = await MembershipFederationFixture.NewUserAsync(Hs3, "dave");
        var loner = await MembershipFederationFixture.NewUserAsync(Hs3, "loner");
        await PresenceFederation.SharedRoomAsync(Hs1, alice, [(Hs3, dave)]);
        await PresenceFederation.SettledAsync(Hs1, Hs3, dave);

        await SendAsync("hs3.test", PresenceFederation.Entry(loner.UserId, "online", "anyone?"), PresenceFederation.Entry(dave.UserId, "online", "here"));

        var remote = Hs1.Services.GetRequiredService<RemotePresence>();
        Assert.Null(remote.Get(loner.UserId));
        Assert.Equal("here", remote.Get(dave.UserId)?.StatusMsg);
    }

    [Fact]
    public async Task Malformed_entries_are_skipped_and_good_ones_in_the_same_edu_land()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var carol = await MembershipFederationFixture.NewUserAsync(Hs2, "carol");
        await PresenceFederation.SharedRoomAsync(Hs1, alice, [(Hs2, bob), (Hs2, carol)]);
        await PresenceFederation.SettledAsync(Hs1, Hs2, bob);
        await PresenceFederation.SettledAsync(Hs1, Hs2, carol);

        var good = PresenceFederation.Entry(carol.UserId, "online", "here");
        good["last_active_ago"] = 5_000;
        good["currently_active"] = true;
        await SendAsync("hs2.test",
            JsonValue.Create(42),
            PresenceFederation.Entry(bob.UserId, "busy", "no such state"),
            new JsonObject { ["presence"] = "online" },
            Tweak(PresenceFederation.Entry(bob.UserId, "online", "bad age"), "last_active_ago", -1),
            Tweak(PresenceFederation.Entry(bob.UserId, "online", "age as text"), "last_active_ago", "5000"),
            Tweak(PresenceFederation.Entry(bob.UserId, "online", null), "status_msg", 7),
            Tweak(PresenceFederation.Entry(bob.UserId, "online", "bad flag"), "currently_active", "yes"),
            good,
            // A bad entry after a good one for the same user does not undo it.
            PresenceFederation.Entry(carol.UserId, "away", "gone"));

        var carolStatus = (await Hs1.Http.GetJsonAsync(PresenceFederation.StatusPath(carol), alice.AccessToken)).Ok();
        Assert.Equal("online", carolStatus.Str("presence"));
        Assert.Equal("here", carolStatus.Str("status_msg"));
        Assert.True(carolStatus["currently_active"]!.GetValue<bool>());
        Assert.InRange(carolStatus["last_active_ago"]!.GetValue<long>(), 5_000, 65_000);

        var bobStatus = (await Hs1.Http.GetJsonAsync(PresenceFederation.StatusPath(bob), alice.AccessToken)).Ok();
        Assert.Equal("offline", bobStatus.Str("presence"));
        Assert.Null(bobStatus["status_msg"]);
    }

    private static JsonObject Tweak(JsonObject entry, string key, JsonNode? value)
    {
        entry[key] = value;
        return entry;
    }

    private async Task SendAsync(string origin, params JsonNode?[] entries)
    {
        var edu = new JsonObject { ["edu_type"] = "m.presence", ["content"] = new JsonObject { ["push"] = new JsonArray(entries) } };
        var transaction = new JsonObject
        {
            ["origin"] = origin, ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ["pdus"] = new JsonArray(), ["edus"] = new JsonArray(edu),
        };
        (await fixture.Servers.SendTransactionAsync(origin, "hs1.test", transaction)).Ok();
    }
}

/// <summary>Rooms, reads and bounded waits shared by the presence federation tests.</summary>
internal static class PresenceFederation
{
    public static string StatusPath(TestUser user) => $"/_matrix/client/v3/presence/{user.UserId}/status";

    public static JsonObject? PresenceOf(JsonObject sync, TestUser user) =>
        sync["presence"]?["events"]?.AsArray().Select(e => e!.AsObject()).LastOrDefault(e => e.Str("sender") == user.UserId)?["content"]?.AsObject();

    public static JsonObject Entry(string userId, string presence, string? statusMsg)
    {
        var entry = new JsonObject { ["user_id"] = userId, ["presence"] = presence, ["last_active_ago"] = 0 };
        if (statusMsg is not null) entry["status_msg"] = statusMsg;
        return entry;
    }

    /// <summary>A public room of the host's user that each guest joined over federation.</summary>
    public static async Task<string> SharedRoomAsync(TestHomeserver host, TestUser owner, IEnumerable<(TestHomeserver Server, TestUser User)> guests)
    {
        var roomId = await host.CreateRoomAsync(owner, new JsonObject { ["preset"] = "public_chat" });
        foreach (var (server, user) in guests)
        {
            (await server.PostAsync(user, $"/join/{RoomsClient.Path(roomId)}?via={host.ServerName}")).Ok();
        }

        return roomId;
    }

    /// <summary>
    /// The user signs off on their own server, by way of unavailable, and <paramref name="server"/> waits until it heard
    /// both in order: from then on their server is quiet about them (offline users are not pinged), whatever their
    /// join's activity and its timeout sent before.
    /// </summary>
    public static async Task SettledAsync(TestHomeserver server, TestHomeserver home, TestUser user)
    {
        var remote = server.Services.GetRequiredService<RemotePresence>();
        foreach (var (wire, state) in new[] { ("unavailable", PresenceState.Unavailable), ("offline", PresenceState.Offline) })
        {
            (await home.Http.PutJsonAsync(StatusPath(user), new JsonObject { ["presence"] = wire }, user.AccessToken)).Ok();
            Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(remote.Get(user.UserId)?.State == state)));
        }
    }
}
