using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>Knocking on rooms of another server (make_knock, send_knock), and joins of restricted rooms vouched for by the resident server.</summary>
[Collection(MembershipFederationCollection.Name)]
public sealed class RemoteKnockAndRestrictedTests(MembershipFederationFixture fixture)
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;

    private async Task<(string RoomId, TestUser Alice)> KnockableRoomAsync()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "private_chat", ["name"] = "Knock knock",
            ["initial_state"] = new JsonArray(new JsonObject { ["type"] = "m.room.join_rules", ["content"] = new JsonObject { ["join_rule"] = "knock" } }),
        });
        return (roomId, alice);
    }

    [Fact]
    public async Task A_knock_on_a_room_of_another_server_is_let_in_by_an_invite()
    {
        var (roomId, alice) = await KnockableRoomAsync();
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");

        Assert.Equal(roomId, (await Hs2.PostAsync(bob, $"/knock/{RoomsClient.Path(roomId)}?via=hs1.test", new JsonObject { ["reason"] = "let me in" }))
            .Ok()["room_id"]!.GetValue<string>());
        Assert.Equal("knock", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
        Assert.Equal("knock", await Hs2.MembershipRowAsync(roomId, bob.UserId));
        var knockState = (await Hs2.StoredMembershipAsync(roomId, bob.UserId)).Json["unsigned"]!["knock_room_state"]!.AsArray();
        Assert.Contains(knockState, e => e!["type"]!.GetValue<string>() == "m.room.name" && e["content"]!["name"]!.GetValue<string>() == "Knock knock");
        Assert.Contains(knockState, e => e!["type"]!.GetValue<string>() == "m.room.create");

        (await Hs1.MembershipAsync(alice, roomId, "invite", bob.UserId)).Ok();
        Assert.Equal("invite", await Hs2.MembershipRowAsync(roomId, bob.UserId));
        (await Hs2.JoinRoomAsync(bob, roomId)).Ok();
        Assert.Equal("join", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));
    }

    [Fact]
    public async Task A_knock_can_be_withdrawn_and_a_room_that_takes_no_knocks_refuses_them()
    {
        var (roomId, alice) = await KnockableRoomAsync();
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        (await Hs2.PostAsync(bob, $"/knock/{RoomsClient.Path(roomId)}?via=hs1.test")).Ok();

        (await Hs2.MembershipAsync(bob, roomId, "leave")).Ok();
        Assert.Equal("leave", await Hs2.MembershipRowAsync(roomId, bob.UserId));
        Assert.Equal("leave", await Hs1.MembershipOfAsync(alice, roomId, bob.UserId));

        var inviteOnly = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        (await Hs2.PostAsync(bob, $"/knock/{RoomsClient.Path(inviteOnly)}?via=hs1.test")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        var oldRoom = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["room_version"] = "6" });
        (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Get,
            $"/_matrix/federation/v1/make_knock/{Uri.EscapeDataString(oldRoom)}/{Uri.EscapeDataString(bob.UserId)}?ver=6")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task A_restricted_room_lets_members_of_its_space_in_vouched_for_by_the_resident_server()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var space = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["creation_content"] = new JsonObject { ["type"] = "m.space" } });
        var restricted = await Hs1.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "private_chat",
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
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var carol = await MembershipFederationFixture.NewUserAsync(Hs2, "carol");

        // Not in the space: refused by the resident server.
        (await Hs2.PostAsync(carol, $"/join/{RoomsClient.Path(restricted)}?via=hs1.test")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");

        (await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(space)}?via=hs1.test")).Ok();
        (await Hs2.PostAsync(bob, $"/join/{RoomsClient.Path(restricted)}?via=hs1.test")).Ok();
        Assert.Equal("join", await Hs1.MembershipOfAsync(alice, restricted, bob.UserId));
        var join = (await Hs1.StoredMembershipAsync(restricted, bob.UserId)).Json;
        Assert.Equal(alice.UserId, join["content"]!["join_authorised_via_users_server"]!.GetValue<string>());
        Assert.True(join["signatures"]!.AsObject().ContainsKey("hs1.test"));
        Assert.True(join["signatures"]!.AsObject().ContainsKey("hs2.test"));
        Assert.True((await Hs2.StoredMembershipAsync(restricted, bob.UserId)).Json["signatures"]!.AsObject().ContainsKey("hs1.test"));
    }

    [Fact]
    public async Task A_restricted_room_whose_allowed_rooms_the_server_is_not_in_cannot_be_vouched_for()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var restricted = await Hs1.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "private_chat",
            ["initial_state"] = new JsonArray(new JsonObject
            {
                ["type"] = "m.room.join_rules",
                ["content"] = new JsonObject
                {
                    ["join_rule"] = "restricted",
                    ["allow"] = new JsonArray(new JsonObject { ["type"] = "m.room_membership", ["room_id"] = "!elsewhere:hs3.test" }),
                },
            }),
        });

        (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Get,
            $"/_matrix/federation/v1/make_join/{Uri.EscapeDataString(restricted)}/{Uri.EscapeDataString("@bob:hs2.test")}?ver=12"))
            .IsError(HttpStatusCode.BadRequest, "M_UNABLE_TO_AUTHORISE_JOIN");
    }
}
