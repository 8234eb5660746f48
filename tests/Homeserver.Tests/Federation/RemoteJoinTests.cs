using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>Joining rooms of another server (make_join, send_join) both ways, and leaving them again.</summary>
[Collection(MembershipFederationCollection.Name)]
public sealed class RemoteJoinTests(MembershipFederationFixture fixture)
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;

    private async Task<(string RoomId, TestUser Alice)> PublicRoomAsync(JsonObject? extra = null)
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var body = new JsonObject { ["preset"] = "public_chat", ["name"] = "Lobby" };
        foreach (var (key, value) in extra ?? []) body[key] = value?.DeepClone();
        return (await Hs1.CreateRoomAsync(alice, body), alice);
    }

    [Fact]
    public async Task An_upgrade_tombstone_built_before_the_new_room_reaches_the_other_servers()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var oldRoom = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["room_version"] = "10" });
        (await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(oldRoom)}?via=hs1.test")).Ok();

        var newRoom = (await Hs1.PostAsync(alice, $"/rooms/{RoomsClient.Path(oldRoom)}/upgrade", new JsonObject { ["new_version"] = "11" }))
            .Ok()["replacement_room"]!.GetValue<string>();

        Assert.True(await Eventually.HoldsAsync(async () =>
            (await Hs2.StateContentAsync(bob, oldRoom, "m.room.tombstone"))?["replacement_room"]?.GetValue<string>() == newRoom));
        (await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(newRoom)}?via=hs1.test")).Ok();
        var create = (await Hs2.StateContentAsync(bob, newRoom, "m.room.create"))!;
        var tombstone = (await Hs2.GetAsync(bob, $"/rooms/{RoomsClient.Path(oldRoom)}/state/m.room.tombstone/?format=event")).Ok();
        Assert.Equal(tombstone["event_id"]!.GetValue<string>(), create["predecessor"]!["event_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_guest_joins_a_room_of_another_server_only_where_guests_may()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var guest = await MembershipFederationFixture.NewUserAsync(Hs2, "guest");
        await using (var db = Hs2.Db())
        {
            await db.Users.Where(u => u.UserId == guest.UserId).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsGuest, true));
        }

        var closed = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        var open = await Hs1.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "public_chat",
            ["initial_state"] = RoomsClient.InitialState("m.room.guest_access", "guest_access", "can_join"),
        });

        // Its guest access is known only once in: hs2 leaves at once and refuses the guest.
        (await Hs2.PostAsync(guest, $"/join/{RoomsClient.Path(closed)}?via=hs1.test")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        Assert.Equal("leave", await Hs2.MembershipRowAsync(closed, guest.UserId));
        Assert.True(await Hs1.WaitForMembershipAsync(closed, guest.UserId, "leave"));
        (await Hs2.PostAsync(guest, $"/join/{RoomsClient.Path(open)}?via=hs1.test")).Ok();
        Assert.Equal("join", await Hs2.MembershipRowAsync(open, guest.UserId));
    }

    [Fact]
    public async Task A_user_joins_a_room_of_another_server_by_room_id_and_messages_flow_both_ways()
    {
        var (roomId, alice) = await PublicRoomAsync();
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");

        var joined = await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(roomId)}?via=hs1.test");
        Assert.Equal(roomId, joined.Ok()["room_id"]!.GetValue<string>());
        Assert.Equal("join", await Hs2.MembershipRowAsync(roomId, bob.UserId));
        Assert.Equal("join", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
        // hs2 holds the room's state as of the join: the name is readable there.
        Assert.Equal("Lobby", (await Hs2.StateContentAsync(bob, roomId, "m.room.name"))!["name"]!.GetValue<string>());

        var fromAlice = await Hs1.SendMessageAsync(roomId, alice, "hello bob");
        Assert.True(await Hs2.WaitForTimelineAsync([fromAlice]));
        var fromBob = await Hs2.SendMessageAsync(roomId, bob, "hi alice");
        Assert.True(await Hs1.WaitForTimelineAsync([fromBob]));
    }

    [Fact]
    public async Task A_user_joins_by_an_alias_of_another_server()
    {
        var (roomId, alice) = await PublicRoomAsync(new JsonObject { ["room_alias_name"] = FederatedRooms.Unique("lobby") });
        var alias = (await Hs1.StateContentAsync(alice, roomId, "m.room.canonical_alias"))!["alias"]!.GetValue<string>();
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");

        var resolved = (await Hs2.GetAsync(bob, $"/directory/room/{RoomsClient.Path(alias)}")).Ok();
        Assert.Equal(roomId, resolved["room_id"]!.GetValue<string>());
        Assert.Contains("hs1.test", resolved["servers"]!.AsArray().Select(s => s!.GetValue<string>()));

        Assert.Equal(roomId, (await Hs2.JoinRoomAsync(bob, alias)).Ok()["room_id"]!.GetValue<string>());
        Assert.True(await Hs1.WaitForMembershipAsync(roomId, bob.UserId, "join"));
        (await Hs2.GetAsync(bob, $"/directory/room/{RoomsClient.Path("#nothing-here:hs1.test")}")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task A_third_server_hears_of_a_join_from_the_resident_server()
    {
        var (roomId, _) = await PublicRoomAsync();
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var carol = await MembershipFederationFixture.NewUserAsync(fixture.Hs3, "carol");
        (await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(roomId)}?via=hs1.test")).Ok();

        // carol's server only talks to hs1; hs1 relays her join to hs2.
        (await fixture.Hs3.PostAsync(carol, $"/join/{RoomsClient.Path(roomId)}?via=hs1.test")).Ok();
        Assert.True(await Hs2.WaitForMembershipAsync(roomId, carol.UserId, "join"));
    }

    [Fact]
    public async Task Leaving_a_room_of_another_server_reaches_it()
    {
        var (roomId, alice) = await PublicRoomAsync();
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        (await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(roomId)}?via=hs1.test")).Ok();

        (await Hs2.MembershipAsync(bob, roomId, "leave")).Ok();
        Assert.True(await Hs1.WaitForMembershipAsync(roomId, bob.UserId, "leave"));
        // Joining again goes through hs1 once more: hs2 is no longer in the room.
        (await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(roomId)}?via=hs1.test")).Ok();
        Assert.Equal("join", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
    }

    [Fact]
    public async Task A_join_the_room_does_not_allow_is_refused_with_the_resident_servers_answer()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");

        (await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(roomId)}?via=hs1.test")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path("!unknown:hs1.test")}?via=hs1.test")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.Null(await Hs2.MembershipRowAsync(roomId, bob.UserId));
    }

    [Fact]
    public async Task Make_join_checks_who_asks_for_what()
    {
        var (roomId, _) = await PublicRoomAsync(new JsonObject { ["room_version"] = "10" });
        var path = $"/_matrix/federation/v1/make_join/{Uri.EscapeDataString(roomId)}";

        var ok = (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Get, $"{path}/{Uri.EscapeDataString("@bob:hs2.test")}?ver=10&ver=11")).Ok();
        Assert.Equal("10", ok["room_version"]!.GetValue<string>());
        var template = ok["event"]!.AsObject();
        Assert.Equal("@bob:hs2.test", template["state_key"]!.GetValue<string>());
        Assert.Equal("join", template["content"]!["membership"]!.GetValue<string>());
        Assert.False(template.ContainsKey("signatures"));
        Assert.NotEmpty(template["prev_events"]!.AsArray());

        (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Get, $"{path}/{Uri.EscapeDataString("@bob:hs3.test")}?ver=10"))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        var incompatible = await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Get, $"{path}/{Uri.EscapeDataString("@bob:hs2.test")}?ver=1&ver=2");
        incompatible.IsError(HttpStatusCode.BadRequest, "M_INCOMPATIBLE_ROOM_VERSION");
        Assert.Equal("10", incompatible.Object["room_version"]!.GetValue<string>());
        (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Get,
            $"/_matrix/federation/v1/make_join/{Uri.EscapeDataString("!nope:hs1.test")}/{Uri.EscapeDataString("@bob:hs2.test")}?ver=10")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await fixture.Servers.SendRawAsync("hs1.test", HttpMethod.Get, $"{path}/{Uri.EscapeDataString("@bob:hs2.test")}?ver=10", null, null))
            .IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task Make_join_into_a_room_this_server_has_left_is_404()
    {
        var (roomId, alice) = await PublicRoomAsync(new JsonObject { ["room_version"] = "10" });
        var path = $"/_matrix/federation/v1/make_join/{Uri.EscapeDataString(roomId)}/{Uri.EscapeDataString("@bob:hs2.test")}?ver=10";
        (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Get, path)).Ok();

        // The room's only local member leaves: the room is known here, but no longer one this server takes part in.
        (await Hs1.PostAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/leave", new JsonObject())).Ok();
        (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Get, path)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Send_join_refuses_events_it_must_not_accept()
    {
        var (roomId, _) = await PublicRoomAsync();
        var snapshot = await Hs1.SnapshotAsync(roomId);
        var join = Hs2.Build(roomId, snapshot, "@mallory:hs2.test", EventTypes.Member, "@mallory:hs2.test", FederatedRooms.Membership("join"));
        var sendJoin = $"/_matrix/federation/v2/send_join/{Uri.EscapeDataString(roomId)}/{Uri.EscapeDataString(join.EventId)}";

        // Sent by another server than the user's (403, as Synapse answers).
        (await fixture.Servers.SendSignedAsync("hs3.test", "hs1.test", HttpMethod.Put, sendJoin, join.Json)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        // Not the event of the path, not a join.
        var leave = Hs2.Build(roomId, snapshot, "@mallory:hs2.test", EventTypes.Member, "@mallory:hs2.test", FederatedRooms.Membership("leave"));
        (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Put, sendJoin, leave.Json)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        var leavePath = $"/_matrix/federation/v2/send_join/{Uri.EscapeDataString(roomId)}/{Uri.EscapeDataString(leave.EventId)}";
        (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Put, leavePath, leave.Json)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        // Signed by a key that is not hs2's.
        using var otherKey = Matrix.Crypto.SigningKey.Generate("forged");
        var forged = FederatedRooms.Build("hs2.test", otherKey, roomId, snapshot, "@mallory:hs2.test", EventTypes.Member, "@mallory:hs2.test", FederatedRooms.Membership("join"));
        var forgedPath = $"/_matrix/federation/v2/send_join/{Uri.EscapeDataString(roomId)}/{Uri.EscapeDataString(forged.EventId)}";
        (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Put, forgedPath, forged.Json)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        Assert.Null(await Hs1.MembershipRowAsync(roomId, "@mallory:hs2.test"));

        // The real thing: v1 answers [200, {...}] with the state before the join.
        var answer = await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Put,
            $"/_matrix/federation/v1/send_join/{Uri.EscapeDataString(roomId)}/{Uri.EscapeDataString(join.EventId)}", join.Json);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var body = answer.Body!.AsArray()[1]!.AsObject();
        Assert.Contains(body["state"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "m.room.create");
        Assert.DoesNotContain(body["state"]!.AsArray(), e => e!["state_key"]?.GetValue<string>() == "@mallory:hs2.test");
        Assert.Equal("join", await Hs1.MembershipRowAsync(roomId, "@mallory:hs2.test"));
    }

    [Fact]
    public async Task Malicious_make_join_templates_are_refused_before_anything_is_signed_or_stored()
    {
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var roomId = "!" + FederatedRooms.Unique("trap") + ":" + MembershipFederationFixture.Evil;
        var templates = new Dictionary<string, JsonObject>
        {
            ["someone else's join"] = EvilTemplate(roomId, "@victim:hs2.test", "10"),
            ["an unsupported room version"] = EvilTemplate(roomId, bob.UserId, "9999"),
            ["another room"] = EvilTemplate("!elsewhere:evil.test", bob.UserId, "10"),
            ["a vouching user of another server"] = EvilTemplate(roomId, bob.UserId, "10", authorisedVia: "@admin:hs1.test"),
        };
        foreach (var (what, template) in templates)
        {
            fixture.EvilServer.Answers["/_matrix/federation/v1/make_join/"] = _ => template;
            fixture.EvilServer.Requests.Clear();
            var response = await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(roomId)}?via={MembershipFederationFixture.Evil}");
            Assert.True(response.Status is HttpStatusCode.BadRequest or HttpStatusCode.BadGateway, $"{what}: {response.Status}");
            Assert.DoesNotContain(fixture.EvilServer.Requests, r => r.Contains("send_join", StringComparison.Ordinal));
        }

        (await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(roomId)}?via={MembershipFederationFixture.Evil}"))
            .IsError(HttpStatusCode.BadGateway, "M_UNKNOWN");
        fixture.EvilServer.Answers["/_matrix/federation/v1/make_join/"] = _ => EvilTemplate(roomId, bob.UserId, "9999");
        (await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(roomId)}?via={MembershipFederationFixture.Evil}"))
            .IsError(HttpStatusCode.BadRequest, "M_UNSUPPORTED_ROOM_VERSION");
        await using var db = Hs2.Db();
        Assert.False(await db.Rooms.AnyAsync(r => r.RoomId == roomId));
    }

    [Fact]
    public async Task A_send_join_answer_whose_state_does_not_check_out_is_refused()
    {
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var roomId = "!" + FederatedRooms.Unique("forged") + ":" + MembershipFederationFixture.Evil;
        fixture.EvilServer.Answers["/_matrix/federation/v1/make_join/"] = _ => EvilTemplate(roomId, bob.UserId, "10");
        // A create event "signed" with a key evil.test never published: it must not count.
        using var key = Matrix.Crypto.SigningKey.Generate("unpublished");
        var create = new Matrix.Federation.Events.EventBuilder(Matrix.Federation.Identifiers.ServerName.Parse(MembershipFederationFixture.Evil), key)
            .Build(Matrix.Federation.Rooms.RoomVersions.V10, new EventTemplate
            {
                Type = EventTypes.Create, StateKey = "", Sender = "@admin:evil.test", RoomId = roomId, Content = new JsonObject { ["room_version"] = "10" },
                Depth = 1, OriginServerTs = 1,
            });
        fixture.EvilServer.Answers["/_matrix/federation/v2/send_join/"] = _ => new JsonObject
        {
            ["origin"] = MembershipFederationFixture.Evil, ["state"] = new JsonArray(create.Json.DeepClone()), ["auth_chain"] = new JsonArray(),
        };

        (await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(roomId)}?via={MembershipFederationFixture.Evil}")).IsError(HttpStatusCode.BadGateway, "M_UNKNOWN");
        Assert.Null(await Hs2.MembershipRowAsync(roomId, bob.UserId));
        Assert.Null(await Hs2.EventRowAsync(create.EventId));
    }

    /// <summary>A template as a resident server would send it, for a room that exists nowhere.</summary>
    private static JsonObject EvilTemplate(string roomId, string userId, string version, string? authorisedVia = null)
    {
        var content = new JsonObject { ["membership"] = "join" };
        if (authorisedVia is not null) content["join_authorised_via_users_server"] = authorisedVia;
        return new JsonObject
        {
            ["room_version"] = version,
            ["event"] = new JsonObject
            {
                ["type"] = "m.room.member", ["room_id"] = roomId, ["sender"] = userId, ["state_key"] = userId, ["content"] = content,
                ["origin"] = MembershipFederationFixture.Evil, ["origin_server_ts"] = 1, ["depth"] = 3,
                ["prev_events"] = new JsonArray("$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
                ["auth_events"] = new JsonArray("$bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
            },
        };
    }
}
