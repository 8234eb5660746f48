using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Rooms.Membership;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Rooms;

public sealed class MembershipTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(RoomsClient.WithoutFederation);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<string> PublicRoomAsync(TestUser creator, string version = "12") =>
        _server.CreateRoomAsync(creator, new JsonObject { ["preset"] = "public_chat", ["room_version"] = version });

    [Fact]
    public async Task Joining_by_id_or_alias_keeps_the_profile_and_reason()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        await _server.SetProfileAsync(bob, "Bobby", "mxc://localhost/b");
        var name = "join" + Guid.NewGuid().ToString("N")[..8];
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["room_alias_name"] = name });

        var joined = (await _server.JoinRoomAsync(bob, $"#{name}:{_server.ServerName}", new JsonObject { ["reason"] = "hello" })).Ok();
        Assert.Equal(roomId, joined["room_id"]!.GetValue<string>());
        var member = (await _server.StateContentAsync(alice, roomId, "m.room.member", bob.UserId))!;
        Assert.Equal("join", member["membership"]!.GetValue<string>());
        Assert.Equal("Bobby", member["displayname"]!.GetValue<string>());
        Assert.Equal("mxc://localhost/b", member["avatar_url"]!.GetValue<string>());
        Assert.Equal("hello", member["reason"]!.GetValue<string>());

        var byId = (await _server.PostAsync(bob, $"/rooms/{RoomsClient.Path(roomId)}/join")).Ok();
        Assert.Equal(roomId, byId["room_id"]!.GetValue<string>());
        Assert.Contains(roomId, (await _server.GetAsync(bob, "/joined_rooms")).Ok()["joined_rooms"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task A_joins_body_is_its_member_content_but_the_server_sets_the_membership()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await PublicRoomAsync(alice);
        (await _server.JoinRoomAsync(bob, roomId, new JsonObject { ["foo"] = "bar", ["membership"] = "leave" })).Ok();
        var member = (await _server.StateContentAsync(alice, roomId, "m.room.member", bob.UserId))!;
        Assert.Equal("bar", member["foo"]!.GetValue<string>());
        Assert.Equal("join", member["membership"]!.GetValue<string>());
    }

    [Fact]
    public async Task Joining_twice_with_the_same_content_adds_no_event()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await PublicRoomAsync(alice);
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        var count = (await _server.EventOrderAsync(roomId)).Count;
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        Assert.Equal(count, (await _server.EventOrderAsync(roomId)).Count);
    }

    [Fact]
    public async Task Unknown_rooms_and_aliases_are_not_found()
    {
        var bob = await _server.NewUserAsync("bob");
        (await _server.JoinRoomAsync(bob, "!nowhere:localhost")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.JoinRoomAsync(bob, "!nowhere:remote.example")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.JoinRoomAsync(bob, "#nothing:localhost")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.JoinRoomAsync(bob, "#remote:remote.example")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.PostAsync(bob, "/knock/!nowhere:localhost")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.PostAsync(bob, "/rooms/!nowhere:localhost/leave")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.JoinRoomAsync(bob, "not-a-room")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.PostAsync(null, "/rooms/!nowhere:localhost/join")).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task A_room_every_local_user_left_cannot_be_joined_without_another_server()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await PublicRoomAsync(alice);
        (await _server.PostAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/leave")).Ok();
        (await _server.JoinRoomAsync(bob, roomId)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Invite_only_rooms_need_an_invite()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });

        (await _server.JoinRoomAsync(bob, roomId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.MembershipAsync(alice, roomId, "invite", bob.UserId, "come in")).Ok();
        // Inviting again is fine ("or was already invited").
        (await _server.MembershipAsync(alice, roomId, "invite", bob.UserId, "come in")).Ok();
        var invite = (await _server.StateContentAsync(alice, roomId, "m.room.member", bob.UserId))!;
        Assert.Equal("come in", invite["reason"]!.GetValue<string>());
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        Assert.Equal("join", await _server.MembershipOfAsync(alice, roomId, bob.UserId));
    }

    [Fact]
    public async Task Invites_are_checked()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var carol = await _server.NewUserAsync("carol");
        var roomId = await PublicRoomAsync(alice);

        (await _server.PostAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/invite", new JsonObject())).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await _server.MembershipAsync(alice, roomId, "invite", "bob")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.MembershipAsync(alice, roomId, "invite", "@bob:remote.example")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.PostAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/invite",
            new JsonObject { ["id_server"] = "id.example", ["medium"] = "email", ["address"] = "x@example.org" })).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        // Only members invite; the joined cannot be invited.
        (await _server.MembershipAsync(bob, roomId, "invite", carol.UserId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        (await _server.MembershipAsync(alice, roomId, "invite", bob.UserId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        // public_chat keeps the invite level at 50.
        (await _server.MembershipAsync(bob, roomId, "invite", carol.UserId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Leaving_rejects_an_invite_and_forgetting_needs_a_leave()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["invite"] = RoomsClient.Array(bob.UserId) });

        (await _server.PostAsync(bob, $"/rooms/{RoomsClient.Path(roomId)}/forget")).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
        (await _server.PostAsync(bob, $"/rooms/{RoomsClient.Path(roomId)}/leave", new JsonObject { ["reason"] = "no thanks" })).Ok();
        Assert.Equal("leave", await _server.MembershipOfAsync(alice, roomId, bob.UserId));
        (await _server.PostAsync(bob, $"/rooms/{RoomsClient.Path(roomId)}/forget")).Ok();

        await using var db = await _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        Assert.True(await db.RoomMemberships.Where(m => m.RoomId == roomId && m.UserId == bob.UserId).Select(m => m.Forgotten).SingleAsync());
        // A room one never was in is forgotten without complaint, as Synapse does.
        (await _server.PostAsync(bob, "/rooms/!never:localhost/forget")).Ok();
        (await _server.PostAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/forget")).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
    }

    [Fact]
    public async Task Kicking_needs_power_and_a_member_to_kick()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var carol = await _server.NewUserAsync("carol");
        var roomId = await PublicRoomAsync(alice, "10");
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        (await _server.JoinRoomAsync(carol, roomId)).Ok();

        (await _server.MembershipAsync(bob, roomId, "kick", carol.UserId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.MembershipAsync(alice, roomId, "kick", carol.UserId, "spam")).Ok();
        var kicked = (await _server.StateContentAsync(alice, roomId, "m.room.member", carol.UserId))!;
        Assert.Equal("leave", kicked["membership"]!.GetValue<string>());
        Assert.Equal("spam", kicked["reason"]!.GetValue<string>());
        (await _server.MembershipAsync(alice, roomId, "kick", carol.UserId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.MembershipAsync(alice, roomId, "kick", "@ghost:localhost")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.PostAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/kick", new JsonObject())).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
    }

    [Fact]
    public async Task A_ban_beats_a_join_until_the_unban()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await PublicRoomAsync(alice);
        (await _server.JoinRoomAsync(bob, roomId)).Ok();

        (await _server.MembershipAsync(bob, roomId, "ban", alice.UserId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.MembershipAsync(alice, roomId, "ban", bob.UserId, "rude")).Ok();
        Assert.Equal("ban", await _server.MembershipOfAsync(alice, roomId, bob.UserId));
        (await _server.JoinRoomAsync(bob, roomId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.MembershipAsync(alice, roomId, "invite", bob.UserId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.PostAsync(bob, $"/rooms/{RoomsClient.Path(roomId)}/leave")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");

        (await _server.MembershipAsync(bob, roomId, "unban", bob.UserId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.MembershipAsync(alice, roomId, "unban", bob.UserId)).Ok();
        Assert.Equal("leave", await _server.MembershipOfAsync(alice, roomId, bob.UserId));
        (await _server.MembershipAsync(alice, roomId, "unban", bob.UserId)).IsError(HttpStatusCode.Forbidden, "M_BAD_STATE");
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
    }

    [Fact]
    public async Task Banning_someone_never_in_the_room_keeps_them_out()
    {
        var alice = await _server.NewUserAsync("alice");
        var mallory = await _server.NewUserAsync("mallory");
        var roomId = await PublicRoomAsync(alice);
        (await _server.MembershipAsync(alice, roomId, "ban", mallory.UserId)).Ok();
        (await _server.JoinRoomAsync(mallory, roomId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Knock_then_invite_then_join()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["room_version"] = "7",
            ["initial_state"] = RoomsClient.InitialState("m.room.join_rules", "join_rule", "knock"),
        });

        (await _server.JoinRoomAsync(bob, roomId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        var knocked = (await _server.PostAsync(bob, $"/knock/{RoomsClient.Path(roomId)}?via=localhost", new JsonObject { ["reason"] = "let me in" })).Ok();
        Assert.Equal(roomId, knocked["room_id"]!.GetValue<string>());
        var knock = (await _server.StateContentAsync(alice, roomId, "m.room.member", bob.UserId))!;
        Assert.Equal("knock", knock["membership"]!.GetValue<string>());
        Assert.Equal("let me in", knock["reason"]!.GetValue<string>());

        (await _server.MembershipAsync(alice, roomId, "invite", bob.UserId)).Ok();
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        Assert.Equal("join", await _server.MembershipOfAsync(alice, roomId, bob.UserId));
    }

    [Fact]
    public async Task Knocking_needs_a_knock_join_rule()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var invite = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        (await _server.PostAsync(bob, $"/knock/{RoomsClient.Path(invite)}")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        var knockable = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["initial_state"] = RoomsClient.InitialState("m.room.join_rules", "join_rule", "knock"),
        });
        (await _server.PostAsync(bob, $"/knock/{RoomsClient.Path(knockable)}")).Ok();
        // A knock can be withdrawn.
        (await _server.PostAsync(bob, $"/rooms/{RoomsClient.Path(knockable)}/leave")).Ok();
        Assert.Equal("leave", await _server.MembershipOfAsync(alice, knockable, bob.UserId));
    }

    [Fact]
    public async Task Restricted_rooms_let_members_of_allowed_rooms_join()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var eve = await _server.NewUserAsync("eve");
        var space = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["creation_content"] = new JsonObject { ["type"] = "m.space" } });
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["room_version"] = "10",
            ["initial_state"] = new JsonArray(new JsonObject
            {
                ["type"] = "m.room.join_rules",
                ["content"] = new JsonObject
                {
                    ["join_rule"] = "restricted",
                    ["allow"] = new JsonArray(new JsonObject { ["type"] = "m.room_membership", ["room_id"] = space }),
                },
            }),
        });
        (await _server.JoinRoomAsync(bob, space)).Ok();

        (await _server.JoinRoomAsync(eve, roomId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        // A client cannot name its own authoriser.
        (await _server.PutAsync(eve, $"/rooms/{RoomsClient.Path(roomId)}/state/m.room.member/{RoomsClient.Path(eve.UserId)}",
            new JsonObject { ["membership"] = "join", ["join_authorised_via_users_server"] = alice.UserId })).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        var join = (await _server.StateContentAsync(alice, roomId, "m.room.member", bob.UserId))!;
        Assert.Equal(alice.UserId, join["join_authorised_via_users_server"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_restricted_join_needs_a_local_member_who_may_invite()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var carol = await _server.NewUserAsync("carol");
        var space = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["room_version"] = "9",
            ["preset"] = "public_chat",
            ["power_level_content_override"] = new JsonObject { ["invite"] = 100 },
        });
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        await _server.SetStateAsync(alice, roomId, "m.room.join_rules", "", new JsonObject
        {
            ["join_rule"] = "restricted",
            ["allow"] = new JsonArray(new JsonObject { ["type"] = "m.room_membership", ["room_id"] = space }),
        });
        (await _server.PostAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/leave")).Ok();
        (await _server.JoinRoomAsync(carol, space)).Ok();

        (await _server.JoinRoomAsync(carol, roomId)).IsError(HttpStatusCode.BadRequest, "M_UNABLE_TO_AUTHORISE_JOIN");
    }

    [Fact]
    public async Task Guests_join_only_rooms_with_guest_access()
    {
        var alice = await _server.NewUserAsync("alice");
        var guest = await _server.NewUserAsync("guest");
        await using (var db = await _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync())
        {
            await db.Users.Where(u => u.UserId == guest.UserId).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsGuest, true));
        }

        var noGuests = await PublicRoomAsync(alice);
        (await _server.JoinRoomAsync(guest, noGuests)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        var guestsWelcome = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "public_chat",
            ["initial_state"] = RoomsClient.InitialState("m.room.guest_access", "guest_access", "can_join"),
        });
        (await _server.JoinRoomAsync(guest, guestsWelcome)).Ok();
    }

    [Fact]
    public async Task A_user_who_blocks_invites_gets_none_and_sees_none_held()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var carol = await _server.NewUserAsync("carol");
        var earlier = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat", ["invite"] = new JsonArray(bob.UserId) });
        var config = $"/user/{RoomsClient.Path(bob.UserId)}/account_data/m.invite_permission_config";
        (await _server.PutAsync(bob, config, new JsonObject { ["default_action"] = "block" })).Ok();

        var roomId = await PublicRoomAsync(alice);
        (await _server.PostAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/invite", new JsonObject { ["user_id"] = bob.UserId }))
            .IsError(HttpStatusCode.Forbidden, "M_INVITE_BLOCKED");
        (await _server.PutAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/state/m.room.member/{RoomsClient.Path(bob.UserId)}", new JsonObject { ["membership"] = "invite" }))
            .IsError(HttpStatusCode.Forbidden, "M_INVITE_BLOCKED");
        // createRoom goes on without the blocked invitee.
        var created = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat", ["invite"] = new JsonArray(bob.UserId, carol.UserId) });
        Assert.Equal("invite", await _server.MembershipOfAsync(alice, created, carol.UserId));
        Assert.Null(await _server.MembershipOfAsync(alice, created, bob.UserId));
        // The invite held from before is not served while the block lasts (the room's state still shows it).
        var sync = (await _server.Http.GetJsonAsync("/_matrix/client/v3/sync?timeout=0", bob.AccessToken)).Ok();
        Assert.Null(sync["rooms"]?["invite"]?[earlier]);
        Assert.Equal("invite", await _server.MembershipOfAsync(alice, earlier, bob.UserId));

        // Lifted: invites as normal.
        (await _server.PutAsync(bob, config, new JsonObject())).Ok();
        (await _server.PostAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/invite", new JsonObject { ["user_id"] = bob.UserId })).Ok();
        sync = (await _server.Http.GetJsonAsync("/_matrix/client/v3/sync?timeout=0", bob.AccessToken)).Ok();
        Assert.NotNull(sync["rooms"]!["invite"]![roomId]);
    }

    [Fact]
    public async Task Member_state_events_go_through_the_membership_rules()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await PublicRoomAsync(alice);
        var path = $"/rooms/{RoomsClient.Path(roomId)}/state/m.room.member/{RoomsClient.Path(bob.UserId)}";

        (await _server.PutAsync(bob, path, new JsonObject { ["membership"] = "join", ["displayname"] = "Per room" })).Ok();
        Assert.Equal("Per room", (await _server.StateContentAsync(alice, roomId, "m.room.member", bob.UserId))!["displayname"]!.GetValue<string>());
        (await _server.PutAsync(bob, path, new JsonObject { ["membership"] = "dance" })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.PutAsync(bob, $"/rooms/{RoomsClient.Path(roomId)}/state/m.room.member/nobody", new JsonObject { ["membership"] = "join" }))
            .IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.PutAsync(alice, path, new JsonObject { ["membership"] = "ban" })).Ok();
        Assert.Equal("ban", await _server.MembershipOfAsync(alice, roomId, bob.UserId));
    }

    [Fact]
    public async Task Profile_changes_reach_every_joined_room_once()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var first = await PublicRoomAsync(alice);
        var second = await PublicRoomAsync(alice);
        (await _server.JoinRoomAsync(bob, first)).Ok();
        (await _server.JoinRoomAsync(bob, second)).Ok();
        var changes = _server.Services.GetRequiredService<AccountMembershipChanges>();

        Assert.Equal(2, await changes.UpdateProfileInRoomsAsync(bob.UserId, "Robert", "mxc://localhost/r", CancellationToken.None));
        foreach (var roomId in new[] { first, second })
        {
            var member = (await _server.StateContentAsync(alice, roomId, "m.room.member", bob.UserId))!;
            Assert.Equal("Robert", member["displayname"]!.GetValue<string>());
            Assert.Equal("mxc://localhost/r", member["avatar_url"]!.GetValue<string>());
        }

        // Unchanged rooms are skipped; a cleared avatar goes away.
        Assert.Equal(0, await changes.UpdateProfileInRoomsAsync(bob.UserId, "Robert", "mxc://localhost/r", CancellationToken.None));
        Assert.Equal(2, await changes.UpdateProfileInRoomsAsync(bob.UserId, "Robert", null, CancellationToken.None));
        Assert.False((await _server.StateContentAsync(alice, first, "m.room.member", bob.UserId))!.ContainsKey("avatar_url"));
    }

    [Fact]
    public async Task Deactivation_leaves_rooms_and_rejects_invites_and_knocks()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var joined = await PublicRoomAsync(alice);
        (await _server.JoinRoomAsync(bob, joined)).Ok();
        var invited = await _server.CreateRoomAsync(alice, new JsonObject { ["invite"] = RoomsClient.Array(bob.UserId) });
        var knocked = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["initial_state"] = RoomsClient.InitialState("m.room.join_rules", "join_rule", "knock"),
        });
        (await _server.PostAsync(bob, $"/knock/{RoomsClient.Path(knocked)}")).Ok();

        Assert.Equal(3, await _server.Services.GetRequiredService<AccountMembershipChanges>().LeaveAllRoomsAsync(bob.UserId, CancellationToken.None));
        foreach (var roomId in new[] { joined, invited, knocked }) Assert.Equal("leave", await _server.MembershipOfAsync(alice, roomId, bob.UserId));
        Assert.Empty((await _server.GetAsync(bob, "/joined_rooms")).Ok()["joined_rooms"]!.AsArray());
    }
}
