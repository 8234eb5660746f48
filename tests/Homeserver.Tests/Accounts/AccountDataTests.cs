using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>Account data (global and per room), room tags, and what sync reads of them.</summary>
public sealed class AccountDataTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private const string Room = "!room:localhost";
    private readonly TestHomeserver _server = fixture.Server;

    private static string Global(TestUser user, string type) => $"/_matrix/client/v3/user/{user.UserId}/account_data/{type}";

    private static string InRoom(TestUser user, string type, string room = Room) => $"/_matrix/client/v3/user/{user.UserId}/rooms/{room}/account_data/{type}";

    private static string Tags(TestUser user, string room = Room) => $"/_matrix/client/v3/user/{user.UserId}/rooms/{room}/tags";

    [Fact]
    public async Task Global_account_data_is_stored_and_read_back()
    {
        var user = await _server.RegisterAsync("configured");
        (await _server.Http.GetJsonAsync(Global(user, "org.example.settings"), user.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.PutJsonAsync(Global(user, "org.example.settings"), new JsonObject { ["theme"] = "dark" }, user.AccessToken)).Ok();
        (await _server.Http.PutJsonAsync(Global(user, "org.example.settings"), new JsonObject { ["theme"] = "light" }, user.AccessToken)).Ok();
        Assert.Equal("light", (await _server.Http.GetJsonAsync(Global(user, "org.example.settings"), user.AccessToken)).Ok()["theme"]!.GetValue<string>());
        // Room account data of the same type is separate.
        (await _server.Http.GetJsonAsync(InRoom(user, "org.example.settings"), user.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Room_account_data_is_per_room()
    {
        var user = await _server.RegisterAsync("roomconfig");
        (await _server.Http.PutJsonAsync(InRoom(user, "org.example.draft"), new JsonObject { ["text"] = "hi" }, user.AccessToken)).Ok();
        Assert.Equal("hi", (await _server.Http.GetJsonAsync(InRoom(user, "org.example.draft"), user.AccessToken)).Ok()["text"]!.GetValue<string>());
        (await _server.Http.GetJsonAsync(InRoom(user, "org.example.draft", "!other:localhost"), user.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.GetJsonAsync(Global(user, "org.example.draft"), user.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Theory]
    [InlineData("m.fully_read")]
    [InlineData("m.push_rules")]
    public async Task Server_managed_types_are_refused(string type)
    {
        var user = await _server.RegisterAsync("managed" + type.Replace(".", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal));
        (await _server.Http.PutJsonAsync(Global(user, type), new JsonObject(), user.AccessToken)).IsError(HttpStatusCode.MethodNotAllowed, "M_BAD_JSON");
        (await _server.Http.PutJsonAsync(InRoom(user, type), new JsonObject(), user.AccessToken)).IsError(HttpStatusCode.MethodNotAllowed, "M_BAD_JSON");
    }

    [Fact]
    public async Task Only_the_owner_reads_and_writes()
    {
        var owner = await _server.RegisterAsync("dataowner");
        var other = await _server.RegisterAsync("datasnoop");
        (await _server.Http.PutJsonAsync(Global(owner, "org.example.x"), new JsonObject(), other.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.GetJsonAsync(Global(owner, "org.example.x"), other.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.GetJsonAsync(Tags(owner), other.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.GetJsonAsync(Global(owner, "org.example.x"))).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Bodies_and_room_ids_are_checked()
    {
        var user = await _server.RegisterAsync("datachecks");
        (await _server.Http.SendAsync(HttpMethod.Put, Global(user, "org.example.x"), accessToken: user.AccessToken, rawBody: "nope"))
            .IsError(HttpStatusCode.BadRequest, "M_NOT_JSON");
        (await _server.Http.SendAsync(HttpMethod.Put, Global(user, "org.example.x"), accessToken: user.AccessToken, rawBody: "[1]"))
            .IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.Http.PutJsonAsync(InRoom(user, "org.example.x", "not-a-room"), new JsonObject(), user.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Tags_are_added_listed_and_removed()
    {
        var user = await _server.RegisterAsync("tagger");
        (await _server.Http.PutJsonAsync($"{Tags(user)}/m.favourite", new JsonObject { ["order"] = 0.25 }, user.AccessToken)).Ok();
        (await _server.Http.PutJsonAsync($"{Tags(user)}/u.work", new JsonObject(), user.AccessToken)).Ok();

        var tags = (await _server.Http.GetJsonAsync(Tags(user), user.AccessToken)).Ok()["tags"]!.AsObject();
        Assert.Equal(0.25, tags["m.favourite"]!["order"]!.GetValue<double>());
        Assert.NotNull(tags["u.work"]);
        // They are the m.tag room account data event.
        var tagEvent = (await _server.Http.GetJsonAsync(InRoom(user, "m.tag"), user.AccessToken)).Ok();
        Assert.Equal(2, tagEvent["tags"]!.AsObject().Count);

        (await _server.Http.DeleteJsonAsync($"{Tags(user)}/u.work", user.AccessToken)).Ok();
        (await _server.Http.DeleteJsonAsync($"{Tags(user)}/u.never", user.AccessToken)).Ok();
        tags = (await _server.Http.GetJsonAsync(Tags(user), user.AccessToken)).Ok()["tags"]!.AsObject();
        Assert.Equal(["m.favourite"], tags.Select(t => t.Key));
    }

    [Fact]
    public async Task Tags_are_checked()
    {
        var user = await _server.RegisterAsync("tagchecks");
        Assert.Empty((await _server.Http.GetJsonAsync(Tags(user), user.AccessToken)).Ok()["tags"]!.AsObject());
        (await _server.Http.PutJsonAsync($"{Tags(user)}/u.x", new JsonObject { ["order"] = "first" }, user.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.Http.PutJsonAsync($"{Tags(user)}/u.{new string('t', 300)}", new JsonObject(), user.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.Http.GetJsonAsync(Tags(user, "bad"), user.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Concurrent_tag_changes_are_all_kept()
    {
        var user = await _server.RegisterAsync("busytagger");
        var puts = Enumerable.Range(0, 8).Select(i => _server.Http.PutJsonAsync($"{Tags(user)}/u.t{i}", new JsonObject(), user.AccessToken));
        foreach (var put in await Task.WhenAll(puts)) put.Ok();
        Assert.Equal(8, (await _server.Http.GetJsonAsync(Tags(user), user.AccessToken)).Ok()["tags"]!.AsObject().Count);
    }

    [Fact]
    public async Task Writes_advance_the_stream_wake_sync_and_are_read_as_changes()
    {
        var user = await _server.RegisterAsync("syncer");
        var streams = _server.Services.GetRequiredService<StreamIdGenerator>();
        var notifier = _server.Services.GetRequiredService<SyncNotifier>();
        var before = streams.Current;
        var seen = notifier.Version(user.UserId);
        var woken = notifier.WaitAsync(user.UserId, seen, TimeSpan.FromSeconds(10), CancellationToken.None);

        (await _server.Http.PutJsonAsync(Global(user, "m.direct"), new JsonObject { ["@a:localhost"] = new JsonArray("!dm:localhost") }, user.AccessToken)).Ok();
        Assert.True(await woken);
        var middle = streams.Current;
        (await _server.Http.PutJsonAsync($"{Tags(user)}/m.lowpriority", new JsonObject(), user.AccessToken)).Ok();
        var after = streams.Current;
        Assert.True(before < middle && middle < after);

        await using var scope = _server.Services.CreateAsyncScope();
        var accountData = scope.ServiceProvider.GetRequiredService<AccountDataService>();
        var all = await accountData.GetChangesAsync(user.UserId, 0, after, CancellationToken.None);
        Assert.Equal(["m.direct"], all.Global.Select(e => e.Type));
        Assert.Equal("m.tag", all.Rooms[Room].Single().Type);

        var later = await accountData.GetChangesAsync(user.UserId, middle, after, CancellationToken.None);
        Assert.Empty(later.Global);
        Assert.True(later.Rooms[Room].Single().Content["tags"]!.AsObject().ContainsKey("m.lowpriority"));
        Assert.Equal("m.tag", later.Rooms[Room].Single().ToJson()["type"]!.GetValue<string>());
        var none = await accountData.GetChangesAsync(user.UserId, after, after, CancellationToken.None);
        Assert.Empty(none.Global);
        Assert.Empty(none.Rooms);
    }
}
