using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.FederationApi.Membership;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;
using Matrix.Homeserver.Tests.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>Invites across servers (PUT /invite v2), accepting and rejecting them, and what an invited server checks.</summary>
[Collection(MembershipFederationCollection.Name)]
public sealed class RemoteInviteTests(MembershipFederationFixture fixture)
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;

    private async Task<(string RoomId, TestUser Alice, TestUser Bob)> InvitedAsync()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat", ["name"] = "Secret", ["topic"] = "shh" });
        (await Hs1.MembershipAsync(alice, roomId, "invite", bob.UserId)).Ok();
        return (roomId, alice, bob);
    }

    [Fact]
    public async Task An_invited_user_of_another_server_sees_the_invite_with_the_rooms_state_and_accepts_it()
    {
        var (roomId, alice, bob) = await InvitedAsync();

        Assert.Equal("invite", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
        Assert.Equal("invite", await Hs2.MembershipRowAsync(roomId, bob.UserId));
        var invite = await Hs2.StoredMembershipAsync(roomId, bob.UserId);
        Assert.Contains("hs2.test", invite.Json["signatures"]!.AsObject().Select(s => s.Key));
        var roomState = invite.Json["unsigned"]!["invite_room_state"]!.AsArray();
        Assert.Contains(roomState, e => e!["type"]!.GetValue<string>() == "m.room.create");
        Assert.Contains(roomState, e => e!["type"]!.GetValue<string>() == "m.room.name" && e["content"]!["name"]!.GetValue<string>() == "Secret");
        // Stripped: no signatures, hashes or IDs of the PDUs it came as.
        Assert.All(roomState, e => Assert.Equal(["content", "sender", "state_key", "type"], e!.AsObject().Select(p => p.Key).Order()));
        // bob's /sync shows the invite with that state.
        var inviteState = (await Hs2.SyncAsync(bob)).Section("invite", roomId)!["invite_state"]!["events"]!.AsArray();
        Assert.Contains(inviteState, e => e!["type"]!.GetValue<string>() == "m.room.name" && e["content"]!["name"]!.GetValue<string>() == "Secret");
        Assert.Contains(inviteState, e => e!["type"]!.GetValue<string>() == "m.room.member" && e["state_key"]!.GetValue<string>() == bob.UserId);

        // No via: the inviting server is asked.
        (await Hs2.JoinRoomAsync(bob, roomId)).Ok();
        Assert.Equal("join", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
        Assert.Equal("join", await Hs2.MembershipRowAsync(roomId, bob.UserId));
    }

    [Fact]
    public async Task A_user_who_blocks_invites_is_not_invited_from_another_server()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        (await Hs2.PutAsync(bob, $"/user/{RoomsClient.Path(bob.UserId)}/account_data/m.invite_permission_config",
            new JsonObject { ["default_action"] = "block" })).Ok();
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });

        // hs2 answers /invite 403 M_INVITE_BLOCKED, which hs1 gives its client as it is.
        (await Hs1.MembershipAsync(alice, roomId, "invite", bob.UserId)).IsError(HttpStatusCode.Forbidden, "M_INVITE_BLOCKED");
        Assert.Null(await Hs2.MembershipRowAsync(roomId, bob.UserId));
        Assert.Null(await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
    }

    [Fact]
    public async Task Rejecting_an_invite_of_another_server_reaches_the_room()
    {
        var (roomId, alice, bob) = await InvitedAsync();

        (await Hs2.MembershipAsync(bob, roomId, "leave")).Ok();
        Assert.Equal("leave", await Hs2.MembershipRowAsync(roomId, bob.UserId));
        Assert.Equal("leave", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
        // Nothing left to reject.
        (await Hs2.MembershipAsync(bob, roomId, "leave")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task An_invite_nobody_takes_the_rejection_of_is_rejected_here()
    {
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var evil = fixture.EvilServer;
        var roomId = "!" + FederatedRooms.Unique("gone") + ":" + evil.ServerName;
        var invite = new EventBuilder(Matrix.Federation.Identifiers.ServerName.Parse(evil.ServerName), evil.Key).Build(RoomVersions.V10, new EventTemplate
        {
            Type = EventTypes.Member, StateKey = bob.UserId, Sender = "@mallory:" + evil.ServerName, RoomId = roomId, Content = FederatedRooms.Membership("invite"),
            PrevEvents = ["$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"], AuthEvents = ["$bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"], Depth = 5,
            OriginServerTs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        });
        var uri = $"/_matrix/federation/v2/invite/{Uri.EscapeDataString(roomId)}/{Uri.EscapeDataString(invite.EventId)}";
        var body = Body(invite, [new JsonObject { ["type"] = "m.room.name", ["state_key"] = "", ["sender"] = invite.Sender, ["content"] = new JsonObject { ["name"] = "Gone" } }]);
        (await fixture.Servers.SendRawAsync("hs2.test", HttpMethod.Put, uri, body,
            fixture.Servers.Sign(evil.ServerName, "hs2.test", HttpMethod.Put, uri, body, evil.Key))).Ok();
        Assert.Equal("invite", await Hs2.MembershipRowAsync(roomId, bob.UserId));
        var since = (await Hs2.SyncAsync(bob)).NextBatch();

        // evil.test answers no make_leave: the leave is made here, on top of the invite, so bob is not stuck with it.
        (await Hs2.MembershipAsync(bob, roomId, "leave")).Ok();
        Assert.Equal("leave", await Hs2.MembershipRowAsync(roomId, bob.UserId));
        Assert.Contains(evil.Requests, r => r.Contains("make_leave", StringComparison.Ordinal));
        var leave = await Hs2.StoredMembershipAsync(roomId, bob.UserId);
        Assert.Equal([invite.EventId], leave.PrevEvents);

        // The room moves to the leave section with that (out-of-band) leave in its timeline, as Synapse shows it.
        var left = (await Hs2.SyncAsync(bob, since)).Section("leave", roomId)!;
        var timeline = left["timeline"]!["events"]!.AsArray();
        Assert.Equal(leave.EventId, timeline.Single()!["event_id"]!.GetValue<string>());
        Assert.Equal("leave", timeline.Single()!["content"]!["membership"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_v1_invite_is_a_room_version_1_invite_answered_as_200_and_the_signed_event()
    {
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var (roomId, uri, body) = EvilInvite(RoomVersions.V1, bob.UserId,
            new JsonObject { ["type"] = "m.room.name", ["state_key"] = "", ["sender"] = "@mallory:" + fixture.EvilServer.ServerName, ["content"] = new JsonObject { ["name"] = "Old" } });
        var evil = fixture.EvilServer;
        var answer = await fixture.Servers.SendRawAsync("hs2.test", HttpMethod.Put, uri, body, fixture.Servers.Sign(evil.ServerName, "hs2.test", HttpMethod.Put, uri, body, evil.Key));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var pair = answer.Body!.AsArray();
        Assert.Equal(200, pair[0]!.GetValue<int>());
        Assert.NotNull(pair[1]!["event"]!["signatures"]!["hs2.test"]);
        Assert.Equal("invite", await Hs2.MembershipRowAsync(roomId, bob.UserId));
        var stored = await Hs2.StoredMembershipAsync(roomId, bob.UserId);
        Assert.Equal("1", stored.Version.Id);
        Assert.Contains(stored.Json["unsigned"]!["invite_room_state"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "m.room.name");

        // Someone else's invite is not ours to countersign, in v1 as in v2.
        var other = (JsonObject)body.DeepClone();
        (await fixture.Servers.SendRawAsync("hs2.test", HttpMethod.Put, uri, other, fixture.Servers.Sign("hs1.test", "hs2.test", HttpMethod.Put, uri, other)))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Theory]
    [InlineData("1")]
    [InlineData("10")]
    public async Task An_old_servers_stripped_entry_with_an_integer_the_room_version_cannot_hold_is_left_out_of_the_invite(string versionId)
    {
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var version = RoomVersions.Find(versionId)!;
        var mallory = "@mallory:" + fixture.EvilServer.ServerName;
        JsonObject Entry(string type, JsonObject content) => new() { ["type"] = type, ["state_key"] = "", ["sender"] = mallory, ["content"] = content };
        var (roomId, uri, body) = EvilInvite(version, bob.UserId,
            Entry("m.room.avatar", new JsonObject { ["url"] = "mxc://evil.test/a", ["size"] = 1L << 60 }),
            Entry("m.room.topic", new JsonObject { ["topic"] = "kept" }));
        var evil = fixture.EvilServer;

        var answer = await fixture.Servers.SendRawAsync("hs2.test", HttpMethod.Put, uri, body, fixture.Servers.Sign(evil.ServerName, "hs2.test", HttpMethod.Put, uri, body, evil.Key));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var kept = (await Hs2.StoredMembershipAsync(roomId, bob.UserId)).Json["unsigned"]!["invite_room_state"]!.AsArray()
            .Select(e => e!["type"]!.GetValue<string>()).ToList();
        Assert.Contains("m.room.topic", kept);
        // Integers beyond 2^53 are canonical JSON only in rooms before v6. (A float cannot get this far: canonical
        // JSON has none, so the request's signature would not check out.)
        Assert.Equal(!version.StrictCanonicalJson, kept.Contains("m.room.avatar"));
        var inviteState = (await Hs2.SyncAsync(bob)).Section("invite", roomId)!["invite_state"]!["events"]!.AsArray();
        Assert.Contains(inviteState, e => e!["type"]!.GetValue<string>() == "m.room.topic");
    }

    /// <summary>
    /// An invite of the evil server's user into its room (which we know nothing of) with the given room state: for a v1
    /// room through PUT /v1/invite (the room state in the event's unsigned), as the oldest servers send it, else /v2.
    /// </summary>
    private (string RoomId, string Uri, JsonObject Body) EvilInvite(RoomVersion version, string userId, params JsonObject[] roomState)
    {
        var evil = fixture.EvilServer;
        var roomId = "!" + FederatedRooms.Unique("old") + ":" + evil.ServerName;
        var v1 = version.EventFormat == EventFormat.V1;
        var invite = new EventBuilder(Matrix.Federation.Identifiers.ServerName.Parse(evil.ServerName), evil.Key).Build(version, new EventTemplate
        {
            Type = EventTypes.Member, StateKey = userId, Sender = "@mallory:" + evil.ServerName, RoomId = roomId, Content = FederatedRooms.Membership("invite"),
            PrevEvents = [v1 ? "$prev:" + evil.ServerName : "$" + new string('p', 43)], AuthEvents = [v1 ? "$auth:" + evil.ServerName : "$" + new string('a', 43)],
            Depth = 5, OriginServerTs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        }, new AnyReferenceHash());
        var path = $"invite/{Uri.EscapeDataString(roomId)}/{Uri.EscapeDataString(invite.EventId)}";
        if (!v1) return (roomId, "/_matrix/federation/v2/" + path, Body(invite, new JsonArray([.. roomState])));
        var body = (JsonObject)invite.Json.DeepClone();
        body["unsigned"] = new JsonObject { ["invite_room_state"] = new JsonArray([.. roomState]) };
        return (roomId, "/_matrix/federation/v1/" + path, body);
    }

    [Fact]
    public async Task An_unreachable_invitees_server_is_the_inviters_answer_and_nothing_is_stored()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });

        (await Hs1.MembershipAsync(alice, roomId, "invite", "@someone:unreachable.test")).IsError(HttpStatusCode.BadGateway, "M_UNKNOWN");
        Assert.Null(await Hs1.MembershipRowAsync(roomId, "@someone:unreachable.test"));
    }

    [Fact]
    public async Task An_invite_for_a_user_the_other_server_does_not_have_is_taken_as_synapse_takes_it()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });

        // No 404 (the spec has none for /invite): hs2 signs it and keeps it out of band, where nobody sees it.
        (await Hs1.MembershipAsync(alice, roomId, "invite", "@nobody-at-all:hs2.test")).Ok();
        Assert.Equal("invite", await Hs1.MembershipOfAsync(alice, roomId, "@nobody-at-all:hs2.test"));
        Assert.Equal("invite", await Hs2.MembershipRowAsync(roomId, "@nobody-at-all:hs2.test"));
    }

    [Fact]
    public async Task A_server_without_v2_invite_gets_a_v1_invite_only_for_rooms_of_the_first_event_format()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var evil = fixture.EvilServer;
        var invitee = "@carol:" + evil.ServerName;
        // v2/invite is unknown to it (404 M_UNRECOGNIZED); v1 takes the bare event and answers [200, {"event": ...}].
        evil.Answers["/_matrix/federation/v1/invite/"] = request =>
        {
            var invite = (JsonObject)JsonNode.Parse(new StreamReader(request.Body).ReadToEndAsync().GetAwaiter().GetResult())!;
            Assert.Equal("m.room.name", invite["unsigned"]!["invite_room_state"]!.AsArray().Single(e => e!["type"]!.GetValue<string>() == "m.room.name")!["type"]!.GetValue<string>());
            invite.Remove("unsigned");
            EventSigning.Sign(invite, RoomVersions.V2, evil.ServerName, evil.Key);
            return new JsonArray(200, new JsonObject { ["event"] = invite });
        };
        try
        {
            var v2Room = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat", ["room_version"] = "2", ["name"] = "Old" });
            evil.Requests.Clear();
            (await Hs1.MembershipAsync(alice, v2Room, "invite", invitee)).Ok();
            Assert.Equal("invite", await Hs1.MembershipOfAsync(alice, v2Room, invitee));
            Assert.Equal(2, evil.Requests.Count(r => r.Contains("/invite/", StringComparison.Ordinal)));
            Assert.Contains(evil.Requests, r => r.StartsWith("PUT /_matrix/federation/v1/invite/", StringComparison.Ordinal));

            // A v3+ event cannot be read as v1 by its receiver: refused as Synapse does, nothing sent to v1.
            var newRoom = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat", ["room_version"] = "10" });
            evil.Requests.Clear();
            (await Hs1.MembershipAsync(alice, newRoom, "invite", invitee)).IsError(HttpStatusCode.BadRequest, "M_UNSUPPORTED_ROOM_VERSION");
            Assert.DoesNotContain(evil.Requests, r => r.Contains("/v1/invite/", StringComparison.Ordinal));
            Assert.Null(await Hs1.MembershipRowAsync(newRoom, invitee));
        }
        finally
        {
            evil.Answers.TryRemove("/_matrix/federation/v1/invite/", out _);
        }
    }

    [Fact]
    public async Task A_room_created_with_a_remote_invite_invites_over_federation()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "trusted_private_chat", ["is_direct"] = true, ["invite"] = RoomsClient.Array(bob.UserId) });

        Assert.Equal("invite", await Hs2.MembershipRowAsync(roomId, bob.UserId));
        Assert.True((await Hs2.StoredMembershipAsync(roomId, bob.UserId)).Content["is_direct"]!.GetValue<bool>());
    }

    [Fact]
    public async Task The_invited_server_checks_the_invite_before_signing_it()
    {
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        var snapshot = await Hs1.SnapshotAsync(roomId);
        var invite = Hs1.Build(roomId, snapshot, alice.UserId, EventTypes.Member, bob.UserId, FederatedRooms.Membership("invite"));

        // From a server that is not the sender's.
        (await SendInviteAsync("hs3.test", invite, Body(invite, []))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        // Not signed by the sender's server.
        using (var otherKey = Matrix.Crypto.SigningKey.Generate("forged"))
        {
            var forged = FederatedRooms.Build("hs1.test", otherKey, roomId, snapshot, alice.UserId, EventTypes.Member, bob.UserId, FederatedRooms.Membership("invite"));
            (await SendInviteAsync("hs1.test", forged, Body(forged, []))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        }

        // For a user of another server.
        var forHs3User = Hs1.Build(roomId, snapshot, alice.UserId, EventTypes.Member, "@carol:hs3.test", FederatedRooms.Membership("invite"));
        (await SendInviteAsync("hs1.test", forHs3User, Body(forHs3User, []))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        // Not an invite.
        var ban = Hs1.Build(roomId, snapshot, alice.UserId, EventTypes.Member, bob.UserId, FederatedRooms.Membership("ban"));
        (await SendInviteAsync("hs1.test", ban, Body(ban, []))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        // A room version we do not know.
        var unknownVersion = Body(invite, []);
        unknownVersion["room_version"] = "org.example.v99";
        var incompatible = await SendInviteAsync("hs1.test", invite, unknownVersion);
        incompatible.IsError(HttpStatusCode.BadRequest, "M_INCOMPATIBLE_ROOM_VERSION");
        Assert.Equal("org.example.v99", incompatible.Object["room_version"]!.GetValue<string>());
        // No event.
        (await SendInviteAsync("hs1.test", invite, new JsonObject { ["room_version"] = "12" })).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        Assert.Null(await Hs2.MembershipRowAsync(roomId, bob.UserId));

        var signed = (await SendInviteAsync("hs1.test", invite, Body(invite, await RoomStateAsync(roomId)))).Ok()["event"]!.AsObject();
        Assert.True(signed["signatures"]!.AsObject().ContainsKey("hs1.test"));
        Assert.True(signed["signatures"]!.AsObject().ContainsKey("hs2.test"));
        Assert.Equal("invite", await Hs2.MembershipRowAsync(roomId, bob.UserId));
    }

    [Fact]
    public async Task Invite_room_state_is_bounded_and_only_what_describes_the_room_is_kept()
    {
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat", ["name"] = "Bounded" });
        var invite = Hs1.Build(roomId, await Hs1.SnapshotAsync(roomId), alice.UserId, EventTypes.Member, bob.UserId, FederatedRooms.Membership("invite"));
        var state = await RoomStateAsync(roomId);

        var tooMany = new JsonArray([.. Enumerable.Range(0, StrippedRoomState.MaxEvents + 1).Select(_ => state[0]!.DeepClone())]);
        (await SendInviteAsync("hs1.test", invite, Body(invite, tooMany))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        var snapshot = await Hs1.SnapshotAsync(roomId);
        var huge = new JsonArray([.. new[] { 'x', 'y' }.Select(c =>
            Hs1.Build(roomId, snapshot, alice.UserId, EventTypes.Topic, "", new JsonObject { ["topic"] = new string(c, 40_000) }).Json.DeepClone())]);
        (await SendInviteAsync("hs1.test", invite, Body(invite, huge))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        // v12 rooms need the create event and real PDUs.
        (await SendInviteAsync("hs1.test", invite, Body(invite, [.. state.Where(e => e!["type"]!.GetValue<string>() != "m.room.create").Select(e => e!.DeepClone())])))
            .IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        Assert.Null(await Hs2.MembershipRowAsync(roomId, bob.UserId));

        // Power levels do not describe the room to an invitee: left out.
        var withExtra = new JsonArray([.. state.Select(e => e!.DeepClone())]);
        await using (var db = Hs1.Db())
        {
            var levels = await Hs1.Services.GetRequiredService<Matrix.Homeserver.Rooms.State.RoomStateReader>()
                .GetStateEventAsync(db, roomId, EventTypes.PowerLevels, "", CancellationToken.None);
            withExtra.Add(Matrix.Homeserver.FederationApi.Events.ServerEventView.ToFederation(levels!, redacted: false));
        }

        (await SendInviteAsync("hs1.test", invite, Body(invite, withExtra))).Ok();
        var kept = (await Hs2.StoredMembershipAsync(roomId, bob.UserId)).Json["unsigned"]!["invite_room_state"]!.AsArray();
        Assert.DoesNotContain(kept, e => e!["type"]!.GetValue<string>() == EventTypes.PowerLevels);
        Assert.Contains(kept, e => e!["type"]!.GetValue<string>() == EventTypes.Name);
    }

    private Task<MatrixResponse> SendInviteAsync(string origin, Pdu invite, JsonObject body) =>
        fixture.Servers.SendSignedAsync(origin, "hs2.test", HttpMethod.Put,
            $"/_matrix/federation/v2/invite/{Uri.EscapeDataString(invite.RoomId)}/{Uri.EscapeDataString(invite.EventId)}", body);

    /// <summary>v1 events name their prev and auth events with reference hashes; any will do for an invite.</summary>
    private sealed class AnyReferenceHash : IReferenceHashLookup
    {
        public string FindReferenceHash(string eventId) => "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
    }

    private static JsonObject Body(Pdu invite, JsonArray roomState) => new()
    {
        ["room_version"] = invite.Version.Id, ["event"] = invite.Json.DeepClone(), ["invite_room_state"] = roomState,
    };

    /// <summary>The invite_room_state hs1 would send for its room.</summary>
    private async Task<JsonArray> RoomStateAsync(string roomId)
    {
        await using var db = Hs1.Db();
        return await Hs1.Services.GetRequiredService<StrippedRoomState>().BuildAsync(db, roomId, null, CancellationToken.None);
    }
}
