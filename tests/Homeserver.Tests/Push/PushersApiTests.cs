using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Tests.Push;

public sealed class PushersApiTests(PushServerFixture fixture) : IClassFixture<PushServerFixture>
{
    private const string Pushers = "/_matrix/client/v3/pushers";
    private const string Url = "https://push.example.org/_matrix/push/v1/notify";
    private const string PushRulesPath = PushTestClient.PushRules;
    private readonly TestHomeserver _server = fixture.Server;

    [Fact]
    public async Task A_pusher_is_set_listed_updated_and_deleted()
    {
        var user = await fixture.NewUserAsync("alice");
        Assert.Equal("""{"pushers":[]}""", (await _server.Http.GetJsonAsync(Pushers, user.AccessToken)).Ok().ToJsonString());

        (await _server.SetPusherAsync(user, Url, extraData: new JsonObject { ["format"] = "event_id_only", ["custom"] = 1 })).Ok();
        var listed = Assert.Single((await _server.Http.GetJsonAsync(Pushers, user.AccessToken)).Ok()["pushers"]!.AsArray());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$$"""
            {"pushkey":"key-1","kind":"http","app_id":"org.example.app","app_display_name":"Example","device_display_name":"Phone",
             "lang":"en","data":{"url":"{{{Url}}}","format":"event_id_only","custom":1}}
            """), listed), listed!.ToJsonString());

        var update = new JsonObject
        {
            ["kind"] = "http", ["app_id"] = "org.example.app", ["pushkey"] = "key-1", ["app_display_name"] = "Example 2",
            ["device_display_name"] = "Phone", ["lang"] = "fr", ["profile_tag"] = "tag", ["data"] = new JsonObject { ["url"] = Url },
        };
        (await _server.Http.PostJsonAsync(Pushers + "/set", update, user.AccessToken)).Ok();
        var updated = Assert.Single((await _server.Http.GetJsonAsync(Pushers, user.AccessToken)).Ok()["pushers"]!.AsArray());
        Assert.Equal("fr", updated!["lang"]!.GetValue<string>());
        Assert.Equal("tag", updated["profile_tag"]!.GetValue<string>());

        var delete = new JsonObject { ["kind"] = null, ["app_id"] = "org.example.app", ["pushkey"] = "key-1" };
        (await _server.Http.PostJsonAsync(Pushers + "/set", delete, user.AccessToken)).Ok();
        Assert.Empty((await _server.Http.GetJsonAsync(Pushers, user.AccessToken)).Ok()["pushers"]!.AsArray());
    }

    [Fact]
    public async Task Without_append_a_pushkey_moves_to_its_new_user()
    {
        var first = await fixture.NewUserAsync("bob");
        var second = await fixture.NewUserAsync("carol");
        var third = await fixture.NewUserAsync("dave");
        (await _server.SetPusherAsync(first, Url, pushkey: "shared")).Ok();
        (await _server.SetPusherAsync(second, Url, pushkey: "shared", append: true)).Ok();
        Assert.Single((await _server.Http.GetJsonAsync(Pushers, first.AccessToken)).Ok()["pushers"]!.AsArray());
        Assert.Single((await _server.Http.GetJsonAsync(Pushers, second.AccessToken)).Ok()["pushers"]!.AsArray());

        (await _server.SetPusherAsync(third, Url, pushkey: "shared")).Ok();
        Assert.Empty((await _server.Http.GetJsonAsync(Pushers, first.AccessToken)).Ok()["pushers"]!.AsArray());
        Assert.Empty((await _server.Http.GetJsonAsync(Pushers, second.AccessToken)).Ok()["pushers"]!.AsArray());
        Assert.Single((await _server.Http.GetJsonAsync(Pushers, third.AccessToken)).Ok()["pushers"]!.AsArray());
    }

    [Fact]
    public async Task Pushers_go_with_their_device_and_their_account()
    {
        var phone = await _server.RegisterAsync("pusher-owner");
        var laptop = await _server.LoginAsync(phone);
        (await _server.SetPusherAsync(phone, Url, pushkey: "phone")).Ok();
        (await _server.SetPusherAsync(laptop, Url, pushkey: "laptop")).Ok();
        (await _server.Http.PutJsonAsync(PushRulesPath + "/global/override/mine", JsonNode.Parse("""{"actions":[]}"""), laptop.AccessToken)).Ok();

        // Logging out deletes the device, and with it the device's pusher.
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/logout", new JsonObject(), phone.AccessToken)).Ok();
        var left = Assert.Single((await _server.Http.GetJsonAsync(Pushers, laptop.AccessToken)).Ok()["pushers"]!.AsArray());
        Assert.Equal("laptop", left!["pushkey"]!.GetValue<string>());

        var challenge = await _server.Http.PostJsonAsync("/_matrix/client/v3/account/deactivate", new JsonObject(), laptop.AccessToken);
        var session = challenge.Object["session"]!.GetValue<string>();
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/account/deactivate", new JsonObject { ["auth"] = laptop.PasswordAuth(session) }, laptop.AccessToken)).Ok();
        await using var db = _server.Db();
        Assert.False(await db.Set<Pusher>().AnyAsync(p => p.UserId == laptop.UserId));
        Assert.False(await db.Set<PushRuleEntry>().AnyAsync(r => r.UserId == laptop.UserId));
    }

    [Theory]
    [InlineData("""{"app_id":"a","pushkey":"k"}""", "M_MISSING_PARAM")]
    [InlineData("""{"kind":"http","pushkey":"k","app_display_name":"A","device_display_name":"D","lang":"en","data":{"url":"URL"}}""", "M_MISSING_PARAM")]
    [InlineData("""{"kind":"http","app_id":"a","app_display_name":"A","device_display_name":"D","lang":"en","data":{"url":"URL"}}""", "M_MISSING_PARAM")]
    [InlineData("""{"kind":"http","app_id":"a","pushkey":"k","device_display_name":"D","lang":"en","data":{"url":"URL"}}""", "M_MISSING_PARAM")]
    [InlineData("""{"kind":"http","app_id":"a","pushkey":"k","app_display_name":"A","lang":"en","data":{"url":"URL"}}""", "M_MISSING_PARAM")]
    [InlineData("""{"kind":"http","app_id":"a","pushkey":"k","app_display_name":"A","device_display_name":"D","data":{"url":"URL"}}""", "M_MISSING_PARAM")]
    [InlineData("""{"kind":"http","app_id":"a","pushkey":"k","app_display_name":"A","device_display_name":"D","lang":"en"}""", "M_MISSING_PARAM")]
    [InlineData("""{"kind":"http","app_id":"a","pushkey":"k","app_display_name":"A","device_display_name":"D","lang":"en","data":{}}""", "M_MISSING_PARAM")]
    [InlineData("""{"kind":"http","app_id":"a","pushkey":"k","app_display_name":"A","device_display_name":"D","lang":"en","data":{"url":"https://push.example.org/notify"}}""", "M_INVALID_PARAM")]
    [InlineData("""{"kind":"http","app_id":"a","pushkey":"k","app_display_name":"A","device_display_name":"D","lang":"en","data":{"url":"ftp://push.example.org/_matrix/push/v1/notify"}}""", "M_INVALID_PARAM")]
    [InlineData("""{"kind":"http","app_id":"a","pushkey":"k","app_display_name":"A","device_display_name":"D","lang":"en","data":{"url":5}}""", "M_INVALID_PARAM")]
    [InlineData("""{"kind":"email","app_id":"m.email","pushkey":"a@example.org","app_display_name":"A","device_display_name":"D","lang":"en","data":{}}""", "M_INVALID_PARAM")]
    [InlineData("""{"kind":"http","app_id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","pushkey":"k","app_display_name":"A","device_display_name":"D","lang":"en","data":{"url":"URL"}}""", "M_INVALID_PARAM")]
    [InlineData("""{"kind":"http","app_id":"a","pushkey":"k","app_display_name":"A","device_display_name":"D","lang":"en","data":"URL"}""", "M_BAD_JSON")]
    [InlineData("""{"kind":5,"app_id":"a","pushkey":"k"}""", "M_BAD_JSON")]
    [InlineData("""[]""", "M_BAD_JSON")]
    [InlineData("""nope""", "M_NOT_JSON")]
    public async Task Bad_bodies_get_the_spec_errors(string body, string errcode)
    {
        var user = await fixture.NewUserAsync("frank");
        var response = await _server.Http.SendAsync(HttpMethod.Post, Pushers + "/set", null, user.AccessToken, rawBody: body.Replace("URL", Url, StringComparison.Ordinal));
        response.IsError(HttpStatusCode.BadRequest, errcode);
    }

    [Fact]
    public async Task A_pushkey_longer_than_512_bytes_is_refused()
    {
        var user = await fixture.NewUserAsync("gina");
        (await _server.SetPusherAsync(user, Url, pushkey: new string('é', 257))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task An_access_token_is_needed()
    {
        (await _server.Http.GetJsonAsync(Pushers)).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
        (await _server.Http.PostJsonAsync(Pushers + "/set", new JsonObject())).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }
}
