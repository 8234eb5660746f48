using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Push;

public sealed class NotificationsApiTests(PushServerFixture fixture) : IClassFixture<PushServerFixture>
{
    private const string Notifications = "/_matrix/client/v3/notifications";
    private readonly TestHomeserver _server = fixture.Server;

    [Fact]
    public async Task Lists_notified_events_newest_first_with_pages_and_a_highlight_filter()
    {
        var alice = await fixture.NewUserAsync("alice");
        var bob = await fixture.NewUserAsync("bob");
        var room = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(room, bob);
        await _server.JoinAsync(room, await fixture.NewUserAsync("carol"));
        var first = await _server.SendMessageAsync(room, alice, "first");
        var mention = (await _server.SendEventsAsync(room, new EventDraft(EventTypes.Message, null, alice.UserId, new JsonObject
        {
            ["msgtype"] = "m.text", ["body"] = "you there?", ["m.mentions"] = new JsonObject { ["user_ids"] = new JsonArray(bob.UserId) },
        })))[0];
        var last = await _server.SendMessageAsync(room, alice, "last");

        var all = (await _server.Http.GetJsonAsync(Notifications, bob.AccessToken)).Ok();
        Assert.Null(all["next_token"]);
        var list = all["notifications"]!.AsArray();
        Assert.Equal([last, mention, first], list.Select(n => n!["event"]!["event_id"]!.GetValue<string>()));
        var newest = list[0]!.AsObject();
        Assert.Equal("""["notify"]""", newest["actions"]!.ToJsonString());
        Assert.Equal(room, newest["room_id"]!.GetValue<string>());
        Assert.False(newest["read"]!.GetValue<bool>());
        Assert.True(newest["ts"]!.GetValue<long>() > 0);
        Assert.Equal("last", newest["event"]!["content"]!["body"]!.GetValue<string>());
        Assert.Equal(alice.UserId, newest["event"]!["sender"]!.GetValue<string>());

        var page = (await _server.Http.GetJsonAsync(Notifications + "?limit=2", bob.AccessToken)).Ok();
        Assert.Equal(2, page["notifications"]!.AsArray().Count);
        var next = page["next_token"]!.GetValue<string>();
        var rest = (await _server.Http.GetJsonAsync($"{Notifications}?limit=2&from={next}", bob.AccessToken)).Ok();
        Assert.Equal([first], rest["notifications"]!.AsArray().Select(n => n!["event"]!["event_id"]!.GetValue<string>()));
        Assert.Null(rest["next_token"]);

        var highlights = (await _server.Http.GetJsonAsync(Notifications + "?only=highlight", bob.AccessToken)).Ok()["notifications"]!.AsArray();
        var highlighted = Assert.Single(highlights);
        Assert.Equal(mention, highlighted!["event"]!["event_id"]!.GetValue<string>());
        Assert.Contains("highlight", highlighted["actions"]!.ToJsonString(), StringComparison.Ordinal);

        Assert.Empty((await _server.Http.GetJsonAsync(Notifications, alice.AccessToken)).Ok()["notifications"]!.AsArray());
    }

    [Theory]
    [InlineData("?from=abc")]
    [InlineData("?from=-5")]
    [InlineData("?limit=0")]
    [InlineData("?limit=-1")]
    [InlineData("?limit=many")]
    public async Task Bad_parameters_are_refused(string query)
    {
        var user = await fixture.NewUserAsync("dave");
        (await _server.Http.GetJsonAsync(Notifications + query, user.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task An_access_token_is_needed() =>
        (await _server.Http.GetJsonAsync(Notifications)).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
}
