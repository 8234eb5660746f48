using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>What servers ask each other outside rooms' events: profiles, aliases, published rooms, spaces, OpenID.</summary>
[Collection(MembershipFederationCollection.Name)]
public sealed class FederationQueryTests(MembershipFederationFixture fixture)
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;

    private Task<MatrixResponse> AskHs1Async(string pathAndQuery) =>
        fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Get, "/_matrix/federation/v1" + pathAndQuery);

    [Fact]
    public async Task A_profile_of_another_servers_user_is_asked_of_that_server()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        (await Hs1.PutAsync(alice, $"/profile/{RoomsClient.Path(alice.UserId)}/displayname", new JsonObject { ["displayname"] = "Alice" })).Ok();
        (await Hs1.PutAsync(alice, $"/profile/{RoomsClient.Path(alice.UserId)}/m.tz", new JsonObject { ["m.tz"] = "Europe/Paris" })).Ok();

        var profile = (await Hs2.GetAsync(bob, $"/profile/{RoomsClient.Path(alice.UserId)}")).Ok();
        Assert.Equal("Alice", profile["displayname"]!.GetValue<string>());
        Assert.Equal("Europe/Paris", profile["m.tz"]!.GetValue<string>());
        var one = (await Hs2.GetAsync(bob, $"/profile/{RoomsClient.Path(alice.UserId)}/displayname")).Ok();
        Assert.Equal(["displayname"], one.Select(p => p.Key));
        (await Hs2.GetAsync(bob, $"/profile/{RoomsClient.Path(alice.UserId)}/avatar_url")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Hs2.GetAsync(bob, $"/profile/{RoomsClient.Path("@nobody:hs1.test")}")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        // A server nobody can reach.
        (await Hs2.GetAsync(bob, $"/profile/{RoomsClient.Path("@someone:unreachable.test")}")).IsError(HttpStatusCode.BadGateway, "M_UNKNOWN");
    }

    [Fact]
    public async Task A_remote_profile_over_the_specs_64_KiB_is_refused()
    {
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var evil = fixture.EvilServer;
        evil.Answers["/_matrix/federation/v1/query/profile"] = request => request.Query["user_id"] == "@big:" + evil.ServerName
            ? new JsonObject { ["displayname"] = "Big", ["padding"] = new string('p', 70 * 1024) }
            : new JsonObject { ["displayname"] = "Small" };

        var small = (await Hs2.GetAsync(bob, $"/profile/{RoomsClient.Path("@small:" + evil.ServerName)}")).Ok();
        Assert.Equal("Small", small["displayname"]!.GetValue<string>());
        (await Hs2.GetAsync(bob, $"/profile/{RoomsClient.Path("@big:" + evil.ServerName)}")).IsError(HttpStatusCode.BadGateway, "M_UNKNOWN");
    }

    [Fact]
    public async Task Profile_and_directory_queries_answer_only_for_this_server()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        (await Hs1.PutAsync(alice, $"/profile/{RoomsClient.Path(alice.UserId)}/displayname", new JsonObject { ["displayname"] = "Alice" })).Ok();

        var field = (await AskHs1Async($"/query/profile?user_id={RoomsClient.Path(alice.UserId)}&field=displayname")).Ok();
        Assert.Equal("Alice", field["displayname"]!.GetValue<string>());
        (await AskHs1Async("/query/profile")).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await AskHs1Async($"/query/profile?user_id={RoomsClient.Path("@bob:hs2.test")}")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await AskHs1Async($"/query/profile?user_id={RoomsClient.Path(alice.UserId)}&field=avatar_url")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");

        var alias = $"#{FederatedRooms.Unique("q")}:hs1.test";
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["room_alias_name"] = alias[1..alias.IndexOf(':')] });
        var resolved = (await AskHs1Async($"/query/directory?room_alias={RoomsClient.Path(alias)}")).Ok();
        Assert.Equal(roomId, resolved["room_id"]!.GetValue<string>());
        Assert.Equal("hs1.test", resolved["servers"]![0]!.GetValue<string>());
        (await AskHs1Async($"/query/directory?room_alias={RoomsClient.Path("#missing:hs1.test")}")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await AskHs1Async($"/query/directory?room_alias={RoomsClient.Path("#elsewhere:hs2.test")}")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await AskHs1Async("/query/directory")).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        // The generic query endpoint knows only those two types (404, as Synapse answers).
        (await AskHs1Async("/query/org.example.unknown?x=1")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        // Unsigned requests are refused.
        (await fixture.Servers.SendRawAsync("hs1.test", HttpMethod.Get, "/_matrix/federation/v1/query/directory?room_alias=%23x%3Ahs1.test", null, null))
            .IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task Another_servers_published_rooms_are_listed_for_a_client()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var name = FederatedRooms.Unique("Published");
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["visibility"] = "public", ["name"] = name });

        var all = (await Hs2.GetAsync(bob, "/publicRooms?server=hs1.test&limit=100")).Ok();
        Assert.Contains(roomId, RoomIds(all));
        var filtered = (await Hs2.PostAsync(bob, "/publicRooms?server=hs1.test", new JsonObject { ["filter"] = new JsonObject { ["generic_search_term"] = name } })).Ok();
        Assert.Equal([roomId], RoomIds(filtered));
        Assert.Equal(name, filtered["chunk"]![0]!["name"]!.GetValue<string>());

        // Over federation directly, GET and POST.
        Assert.Contains(roomId, RoomIds((await AskHs1Async("/publicRooms?limit=100")).Ok()));
        var posted = (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Post, "/_matrix/federation/v1/publicRooms",
            new JsonObject { ["filter"] = new JsonObject { ["generic_search_term"] = name } })).Ok();
        Assert.Equal([roomId], RoomIds(posted));
        (await Hs2.GetAsync(bob, "/publicRooms?server=unreachable.test")).IsError(HttpStatusCode.BadGateway, "M_UNKNOWN");
    }

    [Fact]
    public async Task A_space_lists_its_children_on_another_server_as_that_server_describes_them()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var bob = await MembershipFederationFixture.NewUserAsync(Hs2, "bob");
        var remoteSpace = await Hs1.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "public_chat", ["name"] = "Remote space", ["creation_content"] = new JsonObject { ["type"] = "m.space" },
        });
        var remoteRoom = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["name"] = "Remote room" });
        var hidden = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat", ["name"] = "Hidden" });
        foreach (var child in new[] { remoteRoom, hidden })
        {
            await Hs1.SetStateAsync(alice, remoteSpace, "m.space.child", child, new JsonObject { ["via"] = RoomsClient.Array("hs1.test") });
        }

        var space = await Hs2.CreateRoomAsync(bob, new JsonObject { ["name"] = "Home", ["creation_content"] = new JsonObject { ["type"] = "m.space" } });
        await Hs2.SetStateAsync(bob, space, "m.space.child", remoteSpace, new JsonObject { ["via"] = RoomsClient.Array("hs1.test") });
        await Hs2.SetStateAsync(bob, space, "m.space.child", "!gone:unreachable.test", new JsonObject { ["via"] = RoomsClient.Array("unreachable.test") });

        var rooms = (await Hs2.Http.GetJsonAsync($"/_matrix/client/v1/rooms/{RoomsClient.Path(space)}/hierarchy", bob.AccessToken)).Ok()["rooms"]!.AsArray();
        Assert.Equal([space, remoteSpace, remoteRoom], rooms.Select(r => r!["room_id"]!.GetValue<string>()));
        Assert.Equal("Remote space", rooms[1]!["name"]!.GetValue<string>());
        Assert.Equal("m.space", rooms[1]!["room_type"]!.GetValue<string>());
        // The remote space's children_state names both children; the private one is not described.
        Assert.Equal(2, rooms[1]!["children_state"]!.AsArray().Count);
        Assert.Equal("Remote room", rooms[2]!["name"]!.GetValue<string>());

        // hs1 answers /hierarchy itself: inaccessible children listed by ID only, unknown rooms 404.
        var answer = (await AskHs1Async($"/hierarchy/{RoomsClient.Path(remoteSpace)}")).Ok();
        Assert.Equal(remoteSpace, answer["room"]!["room_id"]!.GetValue<string>());
        Assert.Equal([remoteRoom], answer["children"]!.AsArray().Select(c => c!["room_id"]!.GetValue<string>()));
        Assert.Equal([hidden], answer["inaccessible_children"]!.AsArray().Select(c => c!.GetValue<string>()));
        (await AskHs1Async($"/hierarchy/{RoomsClient.Path(hidden)}")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await AskHs1Async($"/hierarchy/{RoomsClient.Path("!unknown:hs1.test")}")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task An_openid_token_tells_a_third_party_who_asked_for_it()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var token = (await Hs1.PostAsync(alice, $"/user/{RoomsClient.Path(alice.UserId)}/openid/request_token", new JsonObject())).Ok();
        Assert.Equal("Bearer", token["token_type"]!.GetValue<string>());
        Assert.Equal("hs1.test", token["matrix_server_name"]!.GetValue<string>());
        Assert.Equal(3600, token["expires_in"]!.GetValue<long>());

        // The third party is not a homeserver: no X-Matrix header.
        var accessToken = token["access_token"]!.GetValue<string>();
        var userInfo = await fixture.Servers.SendRawAsync("hs1.test", HttpMethod.Get, $"/_matrix/federation/v1/openid/userinfo?access_token={Uri.EscapeDataString(accessToken)}", null, null);
        Assert.Equal(alice.UserId, userInfo.Ok()["sub"]!.GetValue<string>());
        // Also at the client address (where SyTest and some integration managers ask), unlike the rest of federation.
        var onClientPort = await Hs1.Http.GetJsonAsync($"/_matrix/federation/v1/openid/userinfo?access_token={Uri.EscapeDataString(accessToken)}");
        Assert.Equal(alice.UserId, onClientPort.Ok()["sub"]!.GetValue<string>());
        (await Hs1.Http.GetJsonAsync("/_matrix/federation/v1/version")).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
        (await fixture.Servers.SendRawAsync("hs1.test", HttpMethod.Get, "/_matrix/federation/v1/openid/userinfo?access_token=nope", null, null))
            .IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await fixture.Servers.SendRawAsync("hs1.test", HttpMethod.Get, "/_matrix/federation/v1/openid/userinfo", null, null))
            .IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        // The access token is not an OpenID token, and a user asks only for themselves.
        (await fixture.Servers.SendRawAsync("hs1.test", HttpMethod.Get, $"/_matrix/federation/v1/openid/userinfo?access_token={alice.AccessToken}", null, null))
            .IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await Hs1.PostAsync(alice, $"/user/{RoomsClient.Path("@other:hs1.test")}/openid/request_token", new JsonObject())).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Hs1.PostAsync(null, $"/user/{RoomsClient.Path(alice.UserId)}/openid/request_token", new JsonObject())).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    private static List<string> RoomIds(JsonObject page) => [.. page["chunk"]!.AsArray().Select(r => r!["room_id"]!.GetValue<string>())];
}
