using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Rooms;

public sealed class AliasTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(RoomsClient.WithoutFederation);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string NewAlias(string name = "room") => $"#{name}{Guid.NewGuid().ToString("N")[..8]}:{_server.ServerName}";

    private static string AliasPath(string alias) => $"/directory/room/{RoomsClient.Path(alias)}";

    [Fact]
    public async Task Members_create_aliases_that_anyone_resolves()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        var alias = NewAlias();

        (await _server.PutAsync(alice, AliasPath(alias), new JsonObject { ["room_id"] = roomId })).Ok();
        var resolved = (await _server.GetAsync(null, AliasPath(alias))).Ok();
        Assert.Equal(roomId, resolved["room_id"]!.GetValue<string>());
        Assert.Equal([_server.ServerName], resolved["servers"]!.AsArray().Select(s => s!.GetValue<string>()));

        (await _server.PutAsync(bob, AliasPath(alias), new JsonObject { ["room_id"] = roomId })).IsError(HttpStatusCode.Conflict, "M_UNKNOWN");
        var aliases = (await _server.GetAsync(bob, $"/rooms/{RoomsClient.Path(roomId)}/aliases")).Ok()["aliases"]!.AsArray();
        Assert.Equal([alias], aliases.Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public async Task Creating_an_alias_is_checked()
    {
        var alice = await _server.NewUserAsync("alice");
        var outsider = await _server.NewUserAsync("outsider");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject());

        (await _server.PutAsync(outsider, AliasPath(NewAlias()), new JsonObject { ["room_id"] = roomId })).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.PutAsync(alice, AliasPath("#x:remote.example"), new JsonObject { ["room_id"] = roomId })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.PutAsync(alice, AliasPath("noalias"), new JsonObject { ["room_id"] = roomId })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.PutAsync(alice, AliasPath($"#a b:{_server.ServerName}"), new JsonObject { ["room_id"] = roomId })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.PutAsync(alice, AliasPath(NewAlias()), new JsonObject())).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await _server.PutAsync(alice, AliasPath(NewAlias()), new JsonObject { ["room_id"] = "nope" })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.PutAsync(null, AliasPath(NewAlias()), new JsonObject { ["room_id"] = roomId })).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");

        var admin = await _server.NewUserAsync("admin", admin: true);
        (await _server.PutAsync(admin, AliasPath(NewAlias()), new JsonObject { ["room_id"] = roomId })).Ok();
        (await _server.PutAsync(admin, AliasPath(NewAlias()), new JsonObject { ["room_id"] = "!unknown:localhost" })).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Unknown_and_malformed_aliases()
    {
        (await _server.GetAsync(null, AliasPath(NewAlias()))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.GetAsync(null, AliasPath("#elsewhere:remote.example"))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.GetAsync(null, AliasPath("nohash"))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        var alice = await _server.NewUserAsync("alice");
        (await _server.Http.DeleteJsonAsync("/_matrix/client/v3" + AliasPath(NewAlias()), alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Deleting_needs_the_creator_an_admin_or_a_room_moderator()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var carol = await _server.NewUserAsync("carol");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        (await _server.JoinRoomAsync(carol, roomId)).Ok();
        var bobs = NewAlias("bob");
        var other = NewAlias("other");
        (await _server.PutAsync(bob, AliasPath(bobs), new JsonObject { ["room_id"] = roomId })).Ok();
        (await _server.PutAsync(bob, AliasPath(other), new JsonObject { ["room_id"] = roomId })).Ok();

        (await _server.Http.DeleteJsonAsync("/_matrix/client/v3" + AliasPath(bobs), carol.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.DeleteJsonAsync("/_matrix/client/v3" + AliasPath(bobs), bob.AccessToken)).Ok();
        (await _server.Http.DeleteJsonAsync("/_matrix/client/v3" + AliasPath(other), alice.AccessToken)).Ok();
        (await _server.GetAsync(null, AliasPath(bobs))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.Empty((await _server.GetAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/aliases")).Ok()["aliases"]!.AsArray());
    }

    [Fact]
    public async Task Deleting_an_alias_drops_it_from_the_canonical_alias()
    {
        var alice = await _server.NewUserAsync("alice");
        var name = "canon" + Guid.NewGuid().ToString("N")[..8];
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["room_alias_name"] = name });
        var alias = $"#{name}:{_server.ServerName}";
        var alt = NewAlias("alt");
        (await _server.PutAsync(alice, AliasPath(alt), new JsonObject { ["room_id"] = roomId })).Ok();
        await _server.SetStateAsync(alice, roomId, "m.room.canonical_alias", "", new JsonObject { ["alias"] = alias, ["alt_aliases"] = RoomsClient.Array(alt) });

        (await _server.Http.DeleteJsonAsync("/_matrix/client/v3" + AliasPath(alias), alice.AccessToken)).Ok();
        var canonical = (await _server.StateContentAsync(alice, roomId, "m.room.canonical_alias"))!;
        Assert.False(canonical.ContainsKey("alias"));
        Assert.Equal([alt], canonical["alt_aliases"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public async Task Local_aliases_are_for_members_or_world_readable_rooms()
    {
        var alice = await _server.NewUserAsync("alice");
        var outsider = await _server.NewUserAsync("outsider");
        var closed = await _server.CreateRoomAsync(alice, new JsonObject());
        var open = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["initial_state"] = RoomsClient.InitialState("m.room.history_visibility", "history_visibility", "world_readable"),
        });

        (await _server.GetAsync(outsider, $"/rooms/{RoomsClient.Path(closed)}/aliases")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.GetAsync(outsider, $"/rooms/{RoomsClient.Path(open)}/aliases")).Ok();
        (await _server.GetAsync(outsider, "/rooms/bad/aliases")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        var admin = await _server.NewUserAsync("admin", admin: true);
        (await _server.GetAsync(admin, $"/rooms/{RoomsClient.Path(closed)}/aliases")).Ok();
    }

    [Fact]
    public async Task Canonical_alias_content_must_name_aliases_of_the_room()
    {
        var alice = await _server.NewUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject());
        var otherRoom = await _server.CreateRoomAsync(alice, new JsonObject());
        var mine = NewAlias("mine");
        var theirs = NewAlias("theirs");
        (await _server.PutAsync(alice, AliasPath(mine), new JsonObject { ["room_id"] = roomId })).Ok();
        (await _server.PutAsync(alice, AliasPath(theirs), new JsonObject { ["room_id"] = otherRoom })).Ok();
        var path = $"/rooms/{RoomsClient.Path(roomId)}/state/m.room.canonical_alias";

        (await _server.PutAsync(alice, path, new JsonObject { ["alias"] = theirs })).IsError(HttpStatusCode.BadRequest, "M_BAD_ALIAS");
        (await _server.PutAsync(alice, path, new JsonObject { ["alias"] = NewAlias("missing") })).IsError(HttpStatusCode.BadRequest, "M_BAD_ALIAS");
        (await _server.PutAsync(alice, path, new JsonObject { ["alt_aliases"] = RoomsClient.Array(mine, theirs) })).IsError(HttpStatusCode.BadRequest, "M_BAD_ALIAS");
        (await _server.PutAsync(alice, path, new JsonObject { ["alias"] = "not an alias" })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.PutAsync(alice, path, new JsonObject { ["alt_aliases"] = "nope" })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.PutAsync(alice, path, new JsonObject { ["alias"] = mine, ["alt_aliases"] = RoomsClient.Array(mine) })).Ok();

        // Aliases already in the event are not checked again, even once they stopped pointing here: bob's
        // deletion stands although he may not update the canonical alias event.
        var bob = await _server.NewUserAsync("bob");
        await _server.SetStateAsync(alice, roomId, "m.room.join_rules", "", new JsonObject { ["join_rule"] = "public" });
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        var bobs = NewAlias("bobs");
        (await _server.PutAsync(bob, AliasPath(bobs), new JsonObject { ["room_id"] = roomId })).Ok();
        (await _server.PutAsync(alice, path, new JsonObject { ["alias"] = mine, ["alt_aliases"] = RoomsClient.Array(bobs) })).Ok();
        (await _server.Http.DeleteJsonAsync("/_matrix/client/v3" + AliasPath(bobs), bob.AccessToken)).Ok();
        (await _server.GetAsync(null, AliasPath(bobs))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.PutAsync(alice, path, new JsonObject { ["alias"] = mine, ["alt_aliases"] = RoomsClient.Array(bobs), ["note"] = 1 })).Ok();
    }
}
