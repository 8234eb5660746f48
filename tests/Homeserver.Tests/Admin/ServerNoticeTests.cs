using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;
using static Matrix.Homeserver.Tests.Admin.AdminTestClient;

namespace Matrix.Homeserver.Tests.Admin;

/// <summary>The server notices room (spec "Server Notices") fed by Synapse's admin API, with the system user configured.</summary>
public sealed class ServerNoticeTests(ServerNoticeTests.Fixture fixture) : IClassFixture<ServerNoticeTests.Fixture>
{
    public sealed class Fixture : HomeserverFixture
    {
        protected override void Configure(IDictionary<string, string?> settings) => settings["Homeserver:ServerNotices:SystemUserLocalpart"] = "notices";
    }

    private const string Path = "/_synapse/admin/v1/send_server_notice";
    private TestHomeserver Server => fixture.Server;

    private static JsonObject Notice(string userId, string body) =>
        new() { ["user_id"] = userId, ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = body } };

    [Fact]
    public async Task A_notice_reaches_the_users_one_read_only_notices_room()
    {
        var admin = await Server.CreateUserAsync("noticeadmin", admin: true);
        var bob = await Server.RegisterAsync("noticebob");
        (await Server.Http.PostJsonAsync(Path, Notice(bob.UserId, "first"), bob.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Server.Http.PostJsonAsync(Path, Notice("@nobody:localhost", "x"), admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Server.Http.PostJsonAsync(Path, new JsonObject { ["user_id"] = bob.UserId }, admin.AccessToken)).IsBadRequest("M_MISSING_PARAM");

        var first = (await Server.Http.PostJsonAsync(Path, Notice(bob.UserId, "first"), admin.AccessToken)).Ok()["event_id"]!.GetValue<string>();
        // Invited, and the invite cannot be rejected.
        var invites = (await Server.Http.GetJsonAsync("/_matrix/client/v3/sync?timeout=0", bob.AccessToken)).Ok()["rooms"]!["invite"]!.AsObject();
        var roomId = Assert.Single(invites).Key;
        (await Server.MembershipAsync(bob, roomId, "leave")).IsError(HttpStatusCode.Forbidden, "M_CANNOT_LEAVE_SERVER_NOTICE_ROOM");

        (await Server.JoinRoomAsync(bob, roomId)).Ok();
        var second = (await Server.Http.PutJsonAsync($"{Path}/txn1", Notice(bob.UserId, "second"), admin.AccessToken)).Ok()["event_id"]!.GetValue<string>();
        // A repeated transaction is the same notice; the same room serves every notice.
        Assert.Equal(second, (await Server.Http.PutJsonAsync($"{Path}/txn1", Notice(bob.UserId, "second"), admin.AccessToken)).Ok()["event_id"]!.GetValue<string>());
        var messages = (await Server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Escape(roomId)}/messages?dir=b&limit=50", bob.AccessToken)).Ok()["chunk"]!.AsArray();
        var notices = messages.Where(e => e!["type"]!.GetValue<string>() == "m.room.message").ToList();
        Assert.Equal([second, first], notices.Select(e => e!["event_id"]!.GetValue<string>()));
        Assert.All(notices, e => Assert.Equal("@notices:localhost", e!["sender"]!.GetValue<string>()));

        var tags = (await Server.Http.GetJsonAsync($"/_matrix/client/v3/user/{Escape(bob.UserId)}/rooms/{Escape(roomId)}/tags", bob.AccessToken)).Ok();
        Assert.NotNull(tags["tags"]!["m.server_notice"]);
        // Read-only for the user; leaving once joined is allowed, and the next notice opens a new room.
        (await Server.PutAsync(bob, $"/rooms/{RoomsClient.Path(roomId)}/send/m.room.message/t1", new JsonObject { ["msgtype"] = "m.text", ["body"] = "hi" }))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Server.MembershipAsync(bob, roomId, "leave")).Ok();
        (await Server.Http.PostJsonAsync(Path, Notice(bob.UserId, "third"), admin.AccessToken)).Ok();
        var again = (await Server.Http.GetJsonAsync("/_matrix/client/v3/sync?timeout=0", bob.AccessToken)).Ok()["rooms"]!["invite"]!.AsObject();
        Assert.NotEqual(roomId, Assert.Single(again).Key);
    }
}

/// <summary>Without a system user, server notices are off.</summary>
public sealed class ServerNoticesOffTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    [Fact]
    public async Task Notices_are_refused_when_not_configured()
    {
        var admin = await fixture.Server.CreateUserAsync("offadmin", admin: true);
        var body = new JsonObject { ["user_id"] = admin.UserId, ["content"] = new JsonObject { ["body"] = "x" } };
        (await fixture.Server.Http.PostJsonAsync("/_synapse/admin/v1/send_server_notice", body, admin.AccessToken)).IsBadRequest("M_UNKNOWN");
    }
}
