using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Matrix.Homeserver.Tests.Admin.AdminTestClient;

namespace Matrix.Homeserver.Tests.Admin;

/// <summary>The room admin API over HTTP: list, details, members, state, block, delete.</summary>
public sealed class RoomAdminTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private TestHomeserver Server => fixture.Server;
    private HttpClient Http => fixture.Server.Http;

    private Task<TestUser> AdminAsync() => Server.CreateUserAsync("roomadmin", admin: true, deviceId: "ADMINDEV");

    private async Task<string> NamedRoomAsync(TestUser creator, string name, params TestUser[] members)
    {
        var roomId = await Server.CreateRoomAsync(creator);
        await Server.SendEventsAsync(roomId, EventDraft.State(EventTypes.Name, "", creator.UserId, new JsonObject { ["name"] = name }));
        foreach (var member in members) await Server.JoinAsync(roomId, member);
        return roomId;
    }

    [Fact]
    public async Task List_describes_searches_orders_and_pages()
    {
        var admin = await AdminAsync();
        var alice = await Server.CreateUserAsync("listalice");
        var bob = await Server.CreateUserAsync("listbob");
        var small = await NamedRoomAsync(alice, "zeta listing");
        var big = await NamedRoomAsync(alice, "alpha listing", bob);
        await Server.SendEventsAsync(big, EventDraft.State(EventTypes.Encryption, "", alice.UserId, new JsonObject { ["algorithm"] = "m.megolm.v1.aes-sha2" }));

        var byName = (await Http.GetJsonAsync("/_synapse/admin/v1/rooms?search_term=LISTING", admin.AccessToken)).Ok();
        Assert.Equal(2, byName["total_rooms"]!.GetValue<int>());
        Assert.Equal(0, byName["offset"]!.GetValue<int>());
        Assert.Equal([big, small], RoomIds(byName));
        var entry = byName["rooms"]![0]!.AsObject();
        Assert.Equal("alpha listing", entry["name"]!.GetValue<string>());
        Assert.Equal(2, entry["joined_members"]!.GetValue<int>());
        Assert.Equal(2, entry["joined_local_members"]!.GetValue<int>());
        Assert.Equal(alice.UserId, entry["creator"]!.GetValue<string>());
        Assert.Equal("m.megolm.v1.aes-sha2", entry["encryption"]!.GetValue<string>());
        Assert.Equal("public", entry["join_rules"]!.GetValue<string>());
        Assert.Equal("shared", entry["history_visibility"]!.GetValue<string>());
        Assert.True(entry["federatable"]!.GetValue<bool>());
        Assert.False(entry["public"]!.GetValue<bool>());
        Assert.Equal(8, entry["state_events"]!.GetValue<int>());
        Assert.True(entry.ContainsKey("room_type") && entry.ContainsKey("canonical_alias") && entry.ContainsKey("guest_access") && entry.ContainsKey("version"));

        var bySize = (await Http.GetJsonAsync("/_synapse/admin/v1/rooms?search_term=listing&order_by=joined_members&dir=b", admin.AccessToken)).Ok();
        Assert.Equal([small, big], RoomIds(bySize));
        var firstPage = (await Http.GetJsonAsync("/_synapse/admin/v1/rooms?search_term=listing&limit=1", admin.AccessToken)).Ok();
        Assert.Equal([big], RoomIds(firstPage));
        Assert.Equal(1, firstPage["next_batch"]!.GetValue<int>());
        Assert.Null(firstPage["prev_batch"]);
        var secondPage = (await Http.GetJsonAsync("/_synapse/admin/v1/rooms?search_term=listing&limit=1&from=1", admin.AccessToken)).Ok();
        Assert.Equal([small], RoomIds(secondPage));
        Assert.Null(secondPage["next_batch"]);
        Assert.Equal(0, secondPage["prev_batch"]!.GetValue<int>());
        var byId = (await Http.GetJsonAsync($"/_synapse/admin/v1/rooms?search_term={Escape(small)}", admin.AccessToken)).Ok();
        Assert.Equal([small], RoomIds(byId));
    }

    [Theory]
    [InlineData("order_by=size_of_ego")]
    [InlineData("dir=sideways")]
    [InlineData("from=-3")]
    [InlineData("limit=x")]
    public async Task List_refuses_bad_parameters(string query)
    {
        var admin = await AdminAsync();
        (await Http.GetJsonAsync($"/_synapse/admin/v1/rooms?{query}", admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
    }

    [Fact]
    public async Task Details_members_and_state()
    {
        var admin = await AdminAsync();
        var carol = await Server.CreateUserAsync("detailcarol");
        var dave = await Server.CreateUserAsync("detaildave", deviceId: "DAVE1");
        var roomId = await NamedRoomAsync(carol, "details", dave);
        await Server.SendEventsAsync(roomId, EventDraft.State(EventTypes.Topic, "", carol.UserId, new JsonObject { ["topic"] = "what we talk about" }));

        var details = (await Http.GetJsonAsync($"/_synapse/admin/v1/rooms/{Escape(roomId)}", admin.AccessToken)).Ok();
        Assert.Equal("details", details["name"]!.GetValue<string>());
        Assert.Equal("what we talk about", details["topic"]!.GetValue<string>());
        Assert.Equal(2, details["joined_local_devices"]!.GetValue<int>());
        Assert.False(details["forgotten"]!.GetValue<bool>());

        var members = (await Http.GetJsonAsync($"/_synapse/admin/v1/rooms/{Escape(roomId)}/members", admin.AccessToken)).Ok();
        Assert.Equal([carol.UserId, dave.UserId], members["members"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(2, members["total"]!.GetValue<int>());

        var state = (await Http.GetJsonAsync($"/_synapse/admin/v1/rooms/{Escape(roomId)}/state", admin.AccessToken)).Ok()["state"]!.AsArray();
        Assert.Equal(8, state.Count);
        var create = state.Single(e => e!["type"]!.GetValue<string>() == EventTypes.Create)!;
        Assert.Equal(roomId, create["room_id"]!.GetValue<string>());
        Assert.Equal("", create["state_key"]!.GetValue<string>());

        foreach (var suffix in new[] { "", "/members", "/state" })
        {
            (await Http.GetJsonAsync($"/_synapse/admin/v1/rooms/%21unknown%3Alocalhost{suffix}", admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
            (await Http.GetJsonAsync($"/_synapse/admin/v1/rooms/not-a-room{suffix}", admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
        }
    }

    [Fact]
    public async Task A_blocked_room_refuses_joins_until_unblocked()
    {
        var admin = await AdminAsync();
        var owner = await Server.CreateUserAsync("blockowner");
        var joiner = await Server.CreateUserAsync("blockjoiner");
        var roomId = await NamedRoomAsync(owner, "blockable");
        var blockPath = $"/_synapse/admin/v1/rooms/{Escape(roomId)}/block";
        // A join before the block: the server has looked at the blocked rooms once before they change.
        var early = await Server.CreateUserAsync("blockearly");
        (await Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Escape(roomId)}/join", new JsonObject(), early.AccessToken)).Ok();

        Assert.False((await Http.GetJsonAsync(blockPath, admin.AccessToken)).Ok()["block"]!.GetValue<bool>());
        Assert.True((await Http.PutJsonAsync(blockPath, Body(("block", true)), admin.AccessToken)).Ok()["block"]!.GetValue<bool>());
        var status = (await Http.GetJsonAsync(blockPath, admin.AccessToken)).Ok();
        Assert.True(status["block"]!.GetValue<bool>());
        Assert.Equal(admin.UserId, status["user_id"]!.GetValue<string>());
        (await Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Escape(roomId)}/join", new JsonObject(), joiner.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Escape(roomId)}/invite", Body(("user_id", joiner.UserId)), owner.AccessToken))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");

        (await Http.PutJsonAsync(blockPath, Body(("block", false)), admin.AccessToken)).Ok();
        (await Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Escape(roomId)}/join", new JsonObject(), joiner.AccessToken)).Ok();

        (await Http.PutJsonAsync(blockPath, new JsonObject(), admin.AccessToken)).IsBadRequest("M_MISSING_PARAM");
        (await Http.PutJsonAsync(blockPath, Body(("block", "yes")), admin.AccessToken)).IsBadRequest("M_BAD_JSON");
        (await Http.GetJsonAsync("/_synapse/admin/v1/rooms/not-a-room/block", admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
    }

    [Fact]
    public async Task Delete_with_purge_and_block_leaves_nothing_readable()
    {
        var admin = await AdminAsync();
        var owner = await Server.CreateUserAsync("purgeowner");
        var member = await Server.CreateUserAsync("purgemember");
        var roomId = await NamedRoomAsync(owner, "doomed", member);
        await Server.SendMessageAsync(roomId, member, "soon gone");
        (await Http.PutJsonAsync("/_matrix/client/v3/directory/room/%23doomed%3Alocalhost", Body(("room_id", roomId)), owner.AccessToken)).Ok();

        var started = (await Http.SendAsync(HttpMethod.Delete, $"/_synapse/admin/v2/rooms/{Escape(roomId)}", Body(("block", true), ("purge", true)), admin.AccessToken)).Ok();
        var deleteId = started["delete_id"]!.GetValue<string>();
        var status = await Server.WaitForDeletionAsync(deleteId, admin.AccessToken);
        Assert.Equal("complete", status["status"]!.GetValue<string>());
        var shutdown = status["shutdown_room"]!.AsObject();
        Assert.Equal([member.UserId, owner.UserId], shutdown["kicked_users"]!.AsArray().Select(u => u!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Empty(shutdown["failed_to_kick_users"]!.AsArray());
        Assert.Equal(["#doomed:localhost"], shutdown["local_aliases"]!.AsArray().Select(a => a!.GetValue<string>()));
        var byRoom = (await Http.GetJsonAsync($"/_synapse/admin/v2/rooms/{Escape(roomId)}/delete_status", admin.AccessToken)).Ok();
        Assert.Equal(deleteId, byRoom["results"]![0]!["delete_id"]!.GetValue<string>());

        (await Http.GetJsonAsync($"/_synapse/admin/v1/rooms/{Escape(roomId)}", admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.Empty((await Http.GetJsonAsync("/_matrix/client/v3/joined_rooms", member.AccessToken)).Ok()["joined_rooms"]!.AsArray());
        Assert.False((await Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Escape(roomId)}/messages?dir=b", member.AccessToken)).Status == HttpStatusCode.OK);
        (await Http.GetJsonAsync("/_matrix/client/v3/directory/room/%23doomed%3Alocalhost")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Escape(roomId)}/join", new JsonObject(), member.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");

        await using var db = await Server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        Assert.False(await db.Events.AnyAsync(e => e.RoomId == roomId));
        Assert.False(await db.RoomMemberships.AnyAsync(m => m.RoomId == roomId));
        Assert.False(await db.CurrentState.AnyAsync(c => c.RoomId == roomId));
        Assert.False(await db.StateGroups.AnyAsync(g => g.RoomId == roomId));
        Assert.False(await db.ForwardExtremities.AnyAsync(f => f.RoomId == roomId));
        Assert.False(await db.Rooms.AnyAsync(r => r.RoomId == roomId));
        Assert.False(await db.Set<EventSearchEntry>().AnyAsync(s => s.RoomId == roomId));
    }

    [Fact]
    public async Task Delete_without_purge_empties_the_room_and_keeps_it()
    {
        var admin = await AdminAsync();
        var owner = await Server.CreateUserAsync("keepowner");
        var roomId = await NamedRoomAsync(owner, "emptied");
        var result = (await Http.SendAsync(HttpMethod.Delete, $"/_synapse/admin/v1/rooms/{Escape(roomId)}", Body(("purge", false)), admin.AccessToken)).Ok();
        Assert.Equal([owner.UserId], result["kicked_users"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Null(result["new_room_id"]);

        var details = (await Http.GetJsonAsync($"/_synapse/admin/v1/rooms/{Escape(roomId)}", admin.AccessToken)).Ok();
        Assert.Equal(0, details["joined_members"]!.GetValue<int>());
        Assert.True(details["forgotten"]!.GetValue<bool>());
        Assert.False((await Http.GetJsonAsync($"/_synapse/admin/v1/rooms/{Escape(roomId)}/block", admin.AccessToken)).Ok()["block"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Delete_refuses_unknown_rooms_and_bad_bodies()
    {
        var admin = await AdminAsync();
        var owner = await Server.CreateUserAsync("refuseowner");
        var roomId = await NamedRoomAsync(owner, "kept");
        var path = $"/_synapse/admin/v2/rooms/{Escape(roomId)}";
        (await Http.SendAsync(HttpMethod.Delete, "/_synapse/admin/v2/rooms/%21nothing%3Alocalhost", new JsonObject(), admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.SendAsync(HttpMethod.Delete, "/_synapse/admin/v2/rooms/not-a-room", new JsonObject(), admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
        (await Http.SendAsync(HttpMethod.Delete, path, Body(("purge", "yes")), admin.AccessToken)).IsBadRequest("M_BAD_JSON");
        (await Http.SendAsync(HttpMethod.Delete, path, Body(("new_room_user_id", owner.UserId)), admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
        (await Http.GetJsonAsync($"{path}/delete_status", admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.GetJsonAsync("/_synapse/admin/v2/rooms/delete_status/nosuchid", admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.Equal("kept", (await Http.GetJsonAsync($"/_synapse/admin/v1/rooms/{Escape(roomId)}", admin.AccessToken)).Ok()["name"]!.GetValue<string>());

        // Blocking a room this server has never seen is allowed, so it cannot be joined later.
        var unseen = (await Http.SendAsync(HttpMethod.Delete, "/_synapse/admin/v2/rooms/%21unseen%3Aelsewhere.org", Body(("block", true)), admin.AccessToken)).Ok();
        Assert.Equal("complete", (await Server.WaitForDeletionAsync(unseen["delete_id"]!.GetValue<string>(), admin.AccessToken))["status"]!.GetValue<string>());
        Assert.True((await Http.GetJsonAsync("/_synapse/admin/v1/rooms/%21unseen%3Aelsewhere.org/block", admin.AccessToken)).Ok()["block"]!.GetValue<bool>());
    }

    private static List<string> RoomIds(JsonObject page) => [.. page["rooms"]!.AsArray().Select(r => r!["room_id"]!.GetValue<string>())];
}
