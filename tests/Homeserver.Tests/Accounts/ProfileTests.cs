using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>GET /profile/{userId} and GET/PUT/DELETE /profile/{userId}/{keyName}.</summary>
public sealed class ProfileTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private readonly TestHomeserver _server = fixture.Server;

    private static string Field(TestUser user, string key) => $"/_matrix/client/v3/profile/{user.UserId}/{key}";

    private Task<MatrixResponse> Set(TestUser user, string key, JsonNode? value, TestUser? caller = null) =>
        _server.Http.PutJsonAsync(Field(user, key), new JsonObject { [key] = value }, (caller ?? user).AccessToken);

    [Fact]
    public async Task Display_name_and_avatar_are_set_read_and_announced()
    {
        var user = await _server.RegisterAsync("painter");
        (await Set(user, "displayname", "Pablo")).Ok();
        (await Set(user, "avatar_url", "mxc://localhost/abc")).Ok();

        var profile = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/profile/{user.UserId}")).Ok();
        Assert.Equal("Pablo", profile["displayname"]!.GetValue<string>());
        Assert.Equal("mxc://localhost/abc", profile["avatar_url"]!.GetValue<string>());
        Assert.Equal("Pablo", (await _server.Http.GetJsonAsync(Field(user, "displayname"))).Ok()["displayname"]!.GetValue<string>());
        Assert.Contains(fixture.Publisher.OfType<ProfileChanged>(), p => p.UserId == user.UserId && p.DisplayName == "Pablo" && p.AvatarUrl == "mxc://localhost/abc");
    }

    [Fact]
    public async Task Clearing_and_deleting_fields()
    {
        var user = await _server.RegisterAsync("eraser");
        (await Set(user, "avatar_url", "mxc://localhost/face")).Ok();
        (await Set(user, "avatar_url", "")).Ok();
        (await _server.Http.GetJsonAsync(Field(user, "avatar_url"))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.DeleteJsonAsync(Field(user, "displayname"), user.AccessToken)).Ok();
        (await _server.Http.GetJsonAsync(Field(user, "displayname"))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        // Nothing left: the spec's "no profile information" 404.
        (await _server.Http.GetJsonAsync($"/_matrix/client/v3/profile/{user.UserId}")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.Contains(fixture.Publisher.OfType<ProfileChanged>(), p => p.UserId == user.UserId && p.DisplayName is null && p.AvatarUrl is null);
    }

    [Fact]
    public async Task Custom_fields_hold_any_json()
    {
        var user = await _server.RegisterAsync("extended");
        (await Set(user, "m.tz", "Europe/Paris")).Ok();
        (await Set(user, "org.example.pronouns", new JsonArray("they", "them"))).Ok();
        var profile = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/profile/{user.UserId}")).Ok();
        Assert.Equal("Europe/Paris", profile["m.tz"]!.GetValue<string>());
        Assert.Equal("[\"they\",\"them\"]", profile["org.example.pronouns"]!.ToJsonString());
        (await _server.Http.DeleteJsonAsync(Field(user, "org.example.pronouns"), user.AccessToken)).Ok();
        (await _server.Http.GetJsonAsync(Field(user, "org.example.pronouns"))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Values_and_keys_are_checked()
    {
        var user = await _server.RegisterAsync("checked");
        (await Set(user, "displayname", new string('d', 257))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Set(user, "displayname", 42)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Set(user, "avatar_url", "https://example.org/a.png")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Set(user, "m.tz", 1)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Set(user, "NotNamespaced", "x")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Set(user, "org.example." + new string('k', 250), "x")).IsError(HttpStatusCode.BadRequest, "M_KEY_TOO_LARGE");
        (await Set(user, "org.example.big", new string('v', 70_000))).IsError(HttpStatusCode.BadRequest, "M_PROFILE_TOO_LARGE");
        (await _server.Http.PutJsonAsync(Field(user, "displayname"), new JsonObject { ["other"] = "x" }, user.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/profile/not-a-user-id")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Only_the_owner_changes_a_profile()
    {
        var owner = await _server.RegisterAsync("owner");
        var intruder = await _server.RegisterAsync("intruder");
        (await Set(owner, "displayname", "Hacked", intruder)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.DeleteJsonAsync(Field(owner, "displayname"), intruder.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.PutJsonAsync(Field(owner, "displayname"), new JsonObject { ["displayname"] = "x" })).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Unknown_users_have_no_profile()
    {
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/profile/@ghost:localhost")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/profile/@ghost:localhost/displayname")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }
}
