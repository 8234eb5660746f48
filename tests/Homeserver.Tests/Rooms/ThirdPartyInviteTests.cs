using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Federation;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Sync;

namespace Matrix.Homeserver.Tests.Rooms;

/// <summary>Two federating servers and an identity server, for third-party invites.</summary>
public sealed class ThirdPartyInviteFixture : IAsyncLifetime
{
    public TestFederation Servers { get; private set; } = null!;
    public FakeIdentityServer IdentityServer { get; private set; } = null!;

    public TestHomeserver Hs1 => Servers["hs1.test"];
    public TestHomeserver Hs2 => Servers["hs2.test"];

    public async Task InitializeAsync()
    {
        // The identity server is on loopback: the guarded transport must let it through.
        Servers = await TestFederation.StartAsync(["hs1.test", "hs2.test"], (_, _, settings) => settings["Homeserver:Federation:AllowPrivateAddresses"] = "true");
        IdentityServer = await FakeIdentityServer.StartAsync(Servers);
    }

    public async Task DisposeAsync()
    {
        await IdentityServer.DisposeAsync();
        await Servers.DisposeAsync();
    }
}

/// <summary>
/// Third-party invites (spec: Client-Server "Third-party invites", Server-Server "Third-party invites"): inviting an
/// email address through an identity server, bound or not yet, and the bound invite's way into the room, on one server
/// and across two; the signatures and key revocation that keep others out.
/// </summary>
public sealed class ThirdPartyInviteTests(ThirdPartyInviteFixture fixture) : IClassFixture<ThirdPartyInviteFixture>
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;
    private FakeIdentityServer Is => fixture.IdentityServer;

    private static int _emails;

    private static string NewEmail() => $"lemur{Interlocked.Increment(ref _emails)}@monkeyworld.example";

    private JsonObject ThirdParty(string email) => new()
    {
        ["id_server"] = Is.Name, ["id_access_token"] = FakeIdentityServer.AccessToken, ["medium"] = "email", ["address"] = email,
    };

    private Task<MatrixResponse> InviteAsync(TestHomeserver server, TestUser inviter, string roomId, string email) =>
        server.PostAsync(inviter, $"/rooms/{RoomsClient.Path(roomId)}/invite", ThirdParty(email));

    private async Task<JsonObject?> ThirdPartyInviteAsync(TestHomeserver server, TestUser asker, string roomId)
    {
        var state = (await server.GetAsync(asker, $"/rooms/{RoomsClient.Path(roomId)}/state")).Body!.AsArray();
        return state.OfType<JsonObject>().FirstOrDefault(e => e["type"]!.GetValue<string>() == "m.room.third_party_invite");
    }

    [Fact]
    public async Task Inviting_a_bound_email_invites_its_user()
    {
        var (alice, bob) = (await Hs1.NewUserAsync("alice"), await Hs1.NewUserAsync("bob"));
        var email = NewEmail();
        await Is.BindAsync("email", email, bob.UserId);
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });

        (await InviteAsync(Hs1, alice, roomId, email)).Ok();

        Assert.Equal("invite", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
        Assert.Null(await ThirdPartyInviteAsync(Hs1, alice, roomId));
    }

    [Fact]
    public async Task CreateRoom_invites_a_bound_email()
    {
        var (alice, bob) = (await Hs1.NewUserAsync("alice"), await Hs1.NewUserAsync("bob"));
        var email = NewEmail();
        await Is.BindAsync("email", email, bob.UserId);

        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat", ["invite_3pid"] = new JsonArray(ThirdParty(email)) });

        Assert.Equal("invite", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
    }

    [Fact]
    public async Task An_unbound_email_gets_a_third_party_invite_which_its_user_accepts_once_bound()
    {
        var (alice, bob) = (await Hs1.NewUserAsync("alice"), await Hs1.NewUserAsync("bob"));
        var email = NewEmail();
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat", ["name"] = "Monkeys" });

        (await InviteAsync(Hs1, alice, roomId, email)).Ok();

        var thirdParty = await ThirdPartyInviteAsync(Hs1, alice, roomId);
        Assert.NotNull(thirdParty);
        Assert.Equal(Is.TokenFor("email", email), thirdParty["state_key"]!.GetValue<string>());
        Assert.Equal("Bob", thirdParty["content"]!["display_name"]!.GetValue<string>());
        Assert.Equal(Is.Key.VerifyKey.Base64, thirdParty["content"]!["public_key"]!.GetValue<string>());
        Assert.Equal(2, thirdParty["content"]!["public_keys"]!.AsArray().Count);
        Assert.StartsWith($"https://{Is.Name}/", thirdParty["content"]!["key_validity_url"]!.GetValue<string>());
        var stored = Is.StoredInvites.Last(i => i["address"]!.GetValue<string>() == email);
        Assert.Equal(roomId, stored["room_id"]!.GetValue<string>());
        Assert.Equal(alice.UserId, stored["sender"]!.GetValue<string>());
        Assert.Equal("Monkeys", stored["room_name"]!.GetValue<string>());
        Assert.Equal("invite", stored["room_join_rules"]!.GetValue<string>());

        // bob binds the email: the identity server tells hs1, which invites him with the signed token.
        Assert.Equal(HttpStatusCode.OK, await Is.BindAsync("email", email, bob.UserId, Hs1.Http));

        var member = await Hs1.StateContentAsync(alice, roomId, "m.room.member", bob.UserId);
        Assert.Equal("invite", member!["membership"]!.GetValue<string>());
        Assert.Equal("Bob", member["third_party_invite"]!["display_name"]!.GetValue<string>());
        Assert.Equal(bob.UserId, member["third_party_invite"]!["signed"]!["mxid"]!.GetValue<string>());
        var invite = (await Hs1.SyncAsync(bob)).Section("invite", roomId);
        Assert.Contains(invite!["invite_state"]!["events"]!.AsArray(), e => e!["state_key"]?.GetValue<string>() == alice.UserId);
        (await Hs1.JoinRoomAsync(bob, roomId)).Ok();
        Assert.Equal("join", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
    }

    [Fact]
    public async Task A_third_party_invite_is_accepted_after_its_inviter_left()
    {
        var (alice, carol, bob) = (await Hs1.NewUserAsync("alice"), await Hs1.NewUserAsync("carol"), await Hs1.NewUserAsync("bob"));
        var email = NewEmail();
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat", ["invite"] = new JsonArray(carol.UserId) });
        (await Hs1.JoinRoomAsync(carol, roomId)).Ok();
        (await InviteAsync(Hs1, alice, roomId, email)).Ok();
        (await Hs1.MembershipAsync(alice, roomId, "leave")).Ok();

        Assert.Equal(HttpStatusCode.OK, await Is.BindAsync("email", email, bob.UserId, Hs1.Http, put: true));

        (await Hs1.JoinRoomAsync(bob, roomId)).Ok();
        Assert.Equal("join", await Hs1.MembershipOfAsync(carol, roomId, bob.UserId));
    }

    [Fact]
    public async Task A_join_with_third_party_signed_exchanges_the_invite_first()
    {
        var (alice, bob) = (await Hs1.NewUserAsync("alice"), await Hs1.NewUserAsync("bob"));
        var email = NewEmail();
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        (await InviteAsync(Hs1, alice, roomId, email)).Ok();
        var token = (await ThirdPartyInviteAsync(Hs1, alice, roomId))!["state_key"]!.GetValue<string>();
        var signed = new JsonObject { ["mxid"] = bob.UserId, ["sender"] = alice.UserId, ["token"] = token };
        Is.Sign(signed, ephemeral: true);

        // Someone else's proof is no use to carol.
        var carol = await Hs1.NewUserAsync("carol");
        (await Hs1.JoinRoomAsync(carol, roomId, new JsonObject { ["third_party_signed"] = signed.DeepClone() })).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        var senderless = (JsonObject)signed.DeepClone();
        senderless["mxid"] = carol.UserId;
        senderless.Remove("sender");
        (await Hs1.JoinRoomAsync(carol, roomId, new JsonObject { ["third_party_signed"] = senderless })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");

        (await Hs1.JoinRoomAsync(bob, roomId, new JsonObject { ["third_party_signed"] = signed })).Ok();

        Assert.Equal("join", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
        var invite = (await Hs1.GetAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/messages?dir=b&limit=10")).Ok()["chunk"]!.AsArray()
            .Single(e => e!["type"]!.GetValue<string>() == "m.room.member" && e["content"]!["membership"]!.GetValue<string>() == "invite"
                && e["state_key"]!.GetValue<string>() == bob.UserId);
        Assert.Equal(alice.UserId, invite!["sender"]!.GetValue<string>());
    }

    [Fact]
    public async Task Onbind_takes_any_identity_servers_notice_but_only_json()
    {
        // Nothing pending, or invites for users of other servers: nothing to do, and the identity server is answered.
        (await Hs1.Http.PostJsonAsync("/_matrix/federation/v1/3pid/onbind", new JsonObject
        {
            ["medium"] = "email", ["address"] = NewEmail(), ["mxid"] = "@x:hs2.test",
            ["invites"] = new JsonArray(new JsonObject { ["mxid"] = "@x:hs2.test", ["sender"] = "@y:hs1.test", ["room_id"] = "!r:hs1.test", ["signed"] = new JsonObject() }),
        })).Ok();
        (await Hs1.Http.SendAsync(HttpMethod.Post, "/_matrix/federation/v1/3pid/onbind", rawBody: "{nope")).IsError(HttpStatusCode.BadRequest, "M_NOT_JSON");
    }

    [Fact]
    public async Task A_token_signed_with_other_keys_invites_nobody()
    {
        var (alice, bob) = (await Hs1.NewUserAsync("alice"), await Hs1.NewUserAsync("bob"));
        var email = NewEmail();
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        (await InviteAsync(Hs1, alice, roomId, email)).Ok();

        Is.RotateKeys();
        await Is.BindAsync("email", email, bob.UserId, Hs1.Http);

        (await Hs1.JoinRoomAsync(bob, roomId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        Assert.Null(await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
    }

    [Fact]
    public async Task A_token_signed_with_a_since_revoked_key_invites_nobody()
    {
        var (alice, bob) = (await Hs1.NewUserAsync("alice"), await Hs1.NewUserAsync("bob"));
        var email = NewEmail();
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        (await InviteAsync(Hs1, alice, roomId, email)).Ok();

        // Signed with the key the room knows, which the identity server no longer stands by.
        await Is.BindAsync("email", email, bob.UserId, Hs1.Http, beforeNotify: Is.RotateKeys);

        (await Hs1.JoinRoomAsync(bob, roomId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        Assert.Null(await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
    }

    [Fact]
    public async Task A_third_party_invite_needs_every_field_and_an_inviter_in_the_room()
    {
        var (alice, mallory) = (await Hs1.NewUserAsync("alice"), await Hs1.NewUserAsync("mallory"));
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        var body = ThirdParty(NewEmail());
        body.Remove("id_access_token");
        (await Hs1.PostAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/invite", body)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        body = ThirdParty(NewEmail());
        body["id_server"] = "not a server name";
        (await Hs1.PostAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/invite", body)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

        var asked = Is.Requests;
        (await InviteAsync(Hs1, mallory, roomId, NewEmail())).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        Assert.Equal(asked, Is.Requests);
        Assert.Null(await ThirdPartyInviteAsync(Hs1, alice, roomId));
    }

    [Fact]
    public async Task A_user_of_another_server_binds_the_email_and_the_inviters_server_makes_the_invite()
    {
        var alice = await Hs1.NewUserAsync("alice");
        var bob = await Hs2.NewUserAsync("bob");
        var email = NewEmail();
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        (await InviteAsync(Hs1, alice, roomId, email)).Ok();

        // hs2 is not in the room: it asks hs1 (exchange_third_party_invite), which invites bob over federation.
        await Is.BindAsync("email", email, bob.UserId, Hs2.Http);

        Assert.Equal("invite", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
        Assert.True(await Hs2.WaitForMembershipAsync(roomId, bob.UserId, "invite"));
        (await Hs2.JoinRoomAsync(bob, roomId)).Ok();
        Assert.Equal("join", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
    }

    [Fact]
    public async Task A_server_already_in_the_room_also_has_the_inviters_server_make_the_invite()
    {
        var alice = await Hs1.NewUserAsync("alice");
        var (carol, bob) = (await Hs2.NewUserAsync("carol"), await Hs2.NewUserAsync("bob"));
        var email = NewEmail();
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat", ["invite"] = new JsonArray(carol.UserId) });
        Assert.True(await Hs2.WaitForMembershipAsync(roomId, carol.UserId, "invite"));
        (await Hs2.JoinRoomAsync(carol, roomId)).Ok();
        (await InviteAsync(Hs1, alice, roomId, email)).Ok();

        await Is.BindAsync("email", email, bob.UserId, Hs2.Http);

        Assert.True(await Hs2.WaitForMembershipAsync(roomId, bob.UserId, "invite"));
        var invite = await Hs2.StoredMembershipAsync(roomId, bob.UserId);
        Assert.Equal(alice.UserId, invite.Sender);
        Assert.Contains("hs1.test", invite.Json["signatures"]!.AsObject().Select(s => s.Key));
        (await Hs2.JoinRoomAsync(bob, roomId)).Ok();
        Assert.True(await Hs1.WaitForMembershipAsync(roomId, bob.UserId, "join"));
    }

    [Fact]
    public async Task An_exchange_is_refused_for_an_inviter_or_invitee_the_caller_cannot_speak_for()
    {
        var alice = await Hs1.NewUserAsync("alice");
        var bob = await Hs2.NewUserAsync("bob");
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        (await InviteAsync(Hs1, alice, roomId, NewEmail())).Ok();
        var token = (await ThirdPartyInviteAsync(Hs1, alice, roomId))!["state_key"]!.GetValue<string>();
        JsonObject Exchange(string sender, string target)
        {
            var signed = new JsonObject { ["mxid"] = target, ["token"] = token };
            Is.Sign(signed);
            return new JsonObject
            {
                ["type"] = "m.room.member", ["room_id"] = roomId, ["sender"] = sender, ["state_key"] = target,
                ["content"] = new JsonObject { ["membership"] = "invite", ["third_party_invite"] = new JsonObject { ["signed"] = signed } },
            };
        }

        var uri = $"/_matrix/federation/v1/exchange_third_party_invite/{Uri.EscapeDataString(roomId)}";
        // hs2 may only accept for its own users, and only for users of hs1 (the server asked) as inviters.
        (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Put, uri, Exchange(alice.UserId, "@someone:hs1.test")))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Put, uri, Exchange("@alice:hs2.test", bob.UserId)))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        var notAnInvite = Exchange(alice.UserId, bob.UserId);
        notAnInvite["content"]!["membership"] = "join";
        (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Put, uri, notAnInvite)).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Put, uri, Exchange(alice.UserId, bob.UserId))).Ok();
        Assert.Equal("invite", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
    }
}
