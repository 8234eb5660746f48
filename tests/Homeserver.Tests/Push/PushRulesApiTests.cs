using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Push.UserRules;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Matrix.Homeserver.Tests.Push.PushTestClient;

namespace Matrix.Homeserver.Tests.Push;

public sealed class PushRulesApiTests(PushServerFixture fixture) : IClassFixture<PushServerFixture>
{
    private readonly TestHomeserver _server = fixture.Server;

    private HttpClient Http => _server.Http;

    [Fact]
    public async Task The_ruleset_holds_the_predefined_rules()
    {
        var alice = await fixture.NewUserAsync("alice");
        var all = (await Http.GetJsonAsync(PushRules + "/", alice.AccessToken)).Ok();
        var global = (await Http.GetJsonAsync(PushRules + "/global/", alice.AccessToken)).Ok();
        Assert.True(JsonNode.DeepEquals(all["global"], global));
        Assert.Equal(["override", "content", "room", "sender", "underride"], global.Select(p => p.Key));
        Assert.Equal(".m.rule.master", global["override"]![0]!["rule_id"]!.GetValue<string>());
        Assert.Equal(12, global["override"]!.AsArray().Count);
        Assert.Equal(5, global["underride"]!.AsArray().Count);

        var invite = (await Http.GetJsonAsync(PushRules + "/global/override/.m.rule.invite_for_me", alice.AccessToken)).Ok();
        Assert.Equal(alice.UserId, invite["conditions"]![2]!["pattern"]!.GetValue<string>());
        Assert.True(invite["default"]!.GetValue<bool>());
        Assert.Equal(alice.Localpart, (await Http.GetJsonAsync(PushRules + "/global/content/.m.rule.contains_user_name", alice.AccessToken)).Ok()["pattern"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_rules_of_one_kind_are_listed_under_their_kind_with_a_trailing_slash()
    {
        var user = await fixture.NewUserAsync("ivy");
        (await Http.PutJsonAsync(PushRules + "/global/room/" + Uri.EscapeDataString("!r:localhost"), new JsonObject { ["actions"] = new JsonArray("notify") }, user.AccessToken)).Ok();
        var room = (await Http.GetJsonAsync(PushRules + "/global/room/", user.AccessToken)).Body!.AsArray();
        Assert.Contains(room, r => r!["rule_id"]!.GetValue<string>() == "!r:localhost");
        Assert.Contains((await Http.GetJsonAsync(PushRules + "/global/override/", user.AccessToken)).Body!.AsArray(), r => r!["rule_id"]!.GetValue<string>() == ".m.rule.master");
    }

    [Fact]
    public async Task A_rule_is_created_read_changed_and_deleted()
    {
        var carol = await fixture.NewUserAsync("carol");
        var rule = PushRules + "/global/content/nocake";
        (await Http.PutJsonAsync(rule, JsonNode.Parse("""{"pattern":"cake*lie","actions":["notify"]}"""), carol.AccessToken)).Ok();
        var created = (await Http.GetJsonAsync(rule, carol.AccessToken)).Ok();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"rule_id":"nocake","default":false,"enabled":true,"pattern":"cake*lie","actions":["notify"]}"""), created), created.ToJsonString());

        (await Http.PutJsonAsync(rule + "/enabled", new JsonObject { ["enabled"] = false }, carol.AccessToken)).Ok();
        Assert.False((await Http.GetJsonAsync(rule + "/enabled", carol.AccessToken)).Ok()["enabled"]!.GetValue<bool>());
        (await Http.PutJsonAsync(rule + "/actions", JsonNode.Parse("""{"actions":["notify",{"set_tweak":"sound","value":"bing"}]}"""), carol.AccessToken)).Ok();
        Assert.Equal("""{"actions":["notify",{"set_tweak":"sound","value":"bing"}]}""", (await Http.GetJsonAsync(rule + "/actions", carol.AccessToken)).Ok().ToJsonString());

        // Replacing keeps the enabled flag; the ruleset shows the user's rule before the default content rule.
        (await Http.PutJsonAsync(rule, JsonNode.Parse("""{"pattern":"pie","actions":[]}"""), carol.AccessToken)).Ok();
        var content = (await Http.GetJsonAsync(PushRules + "/global/", carol.AccessToken)).Ok()["content"]!.AsArray();
        Assert.Equal(["nocake", ".m.rule.contains_user_name"], content.Select(r => r!["rule_id"]!.GetValue<string>()));
        Assert.Equal("pie", content[0]!["pattern"]!.GetValue<string>());
        Assert.False(content[0]!["enabled"]!.GetValue<bool>());

        (await Http.DeleteJsonAsync(rule, carol.AccessToken)).Ok();
        (await Http.GetJsonAsync(rule, carol.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.DeleteJsonAsync(rule, carol.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Before_and_after_place_rules_and_new_rules_go_first()
    {
        var user = await fixture.NewUserAsync("dave");
        async Task Put(string id, string query = "") =>
            (await Http.PutJsonAsync($"{PushRules}/global/override/{id}{query}", JsonNode.Parse("""{"conditions":[{"kind":"event_match","key":"type","pattern":"x"}],"actions":[]}"""), user.AccessToken)).Ok();
        await Put("a");
        await Put("b");                 // b a
        await Put("c", "?after=b");     // b c a
        await Put("d", "?before=a");    // b c d a
        await Put("e", "?before=b&after=a"); // before wins: e b c d a
        var ids = (await Http.GetJsonAsync(PushRules + "/global/", user.AccessToken)).Ok()["override"]!.AsArray()
            .Select(r => r!["rule_id"]!.GetValue<string>()).Where(id => !id.StartsWith('.') || id == ".m.rule.master").ToList();
        Assert.Equal([".m.rule.master", "e", "b", "c", "d", "a"], ids);

        var missing = await Http.PutJsonAsync(PushRules + "/global/override/f?before=nope", JsonNode.Parse("""{"actions":[]}"""), user.AccessToken);
        missing.IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
        var relativeToDefault = await Http.PutJsonAsync(PushRules + "/global/override/f?after=.m.rule.master", JsonNode.Parse("""{"actions":[]}"""), user.AccessToken);
        relativeToDefault.IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Room_and_sender_rules_and_conditionless_overrides()
    {
        var user = await fixture.NewUserAsync("erin");
        (await Http.PutJsonAsync(PushRules + "/global/room/%21abc%3Aexample.org", JsonNode.Parse("""{"actions":[]}"""), user.AccessToken)).Ok();
        (await Http.PutJsonAsync(PushRules + "/global/sender/%40spam%3Aexample.org", JsonNode.Parse("""{"actions":[]}"""), user.AccessToken)).Ok();
        (await Http.PutJsonAsync(PushRules + "/global/override/all", JsonNode.Parse("""{"actions":["notify"]}"""), user.AccessToken)).Ok();
        var global = (await Http.GetJsonAsync(PushRules + "/global/", user.AccessToken)).Ok();
        Assert.Equal("""[{"rule_id":"!abc:example.org","default":false,"enabled":true,"actions":[]}]""", global["room"]!.ToJsonString());
        Assert.Equal("@spam:example.org", global["sender"]![0]!["rule_id"]!.GetValue<string>());
        Assert.Equal("[]", (await Http.GetJsonAsync(PushRules + "/global/override/all", user.AccessToken)).Ok()["conditions"]!.ToJsonString());
    }

    [Fact]
    public async Task Server_default_rules_can_be_switched_and_given_actions_but_not_created_or_deleted()
    {
        var user = await fixture.NewUserAsync("frank");
        var master = PushRules + "/global/override/.m.rule.master";
        (await Http.PutJsonAsync(master + "/enabled", new JsonObject { ["enabled"] = true }, user.AccessToken)).Ok();
        Assert.True((await Http.GetJsonAsync(master + "/enabled", user.AccessToken)).Ok()["enabled"]!.GetValue<bool>());
        var message = PushRules + "/global/underride/.m.rule.message";
        (await Http.PutJsonAsync(message + "/actions", JsonNode.Parse("""{"actions":["notify",{"set_tweak":"sound","value":"default"}]}"""), user.AccessToken)).Ok();
        var changed = (await Http.GetJsonAsync(message, user.AccessToken)).Ok();
        Assert.True(changed["default"]!.GetValue<bool>());
        Assert.Equal(2, changed["actions"]!.AsArray().Count);

        (await Http.PutJsonAsync(master, JsonNode.Parse("""{"actions":[]}"""), user.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Http.DeleteJsonAsync(master, user.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Http.PutJsonAsync(PushRules + "/global/override/.m.rule.nonexistent/enabled", new JsonObject { ["enabled"] = true }, user.AccessToken))
            .IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        // A default rule exists under its own kind only.
        (await Http.GetJsonAsync(PushRules + "/global/content/.m.rule.master", user.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Changes_are_written_as_m_push_rules_account_data_with_a_stream_position()
    {
        var user = await fixture.NewUserAsync("gina");
        var store = _server.Services.GetRequiredService<PushRuleStore>();
        var streams = _server.Services.GetRequiredService<StreamIdGenerator>();
        var accountData = $"/_matrix/client/v3/user/{Uri.EscapeDataString(user.UserId)}/account_data/m.push_rules";
        var before = streams.Current;
        await using (var db = _server.Db()) Assert.False(await store.HasChangedAsync(db, user.UserId, 0, long.MaxValue, CancellationToken.None));
        // Before any change there is no row; sync takes the ruleset from the store.
        Assert.True(JsonNode.DeepEquals((await Http.GetJsonAsync(PushRules + "/", user.AccessToken)).Ok(),
            await store.GetPushRulesEventAsync(user.UserId, CancellationToken.None)));

        (await Http.PutJsonAsync(PushRules + "/global/sender/%40bot%3Alocalhost", JsonNode.Parse("""{"actions":[]}"""), user.AccessToken)).Ok();
        var after = streams.Current;
        await using (var db = _server.Db())
        {
            Assert.True(await store.HasChangedAsync(db, user.UserId, before, after, CancellationToken.None));
            Assert.False(await store.HasChangedAsync(db, user.UserId, after, long.MaxValue, CancellationToken.None));
        }

        var stored = (await Http.GetJsonAsync(accountData, user.AccessToken)).Ok();
        Assert.Equal("@bot:localhost", stored["global"]!["sender"]![0]!["rule_id"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(stored, (await Http.GetJsonAsync(PushRules + "/", user.AccessToken)).Ok()));

        (await Http.PutJsonAsync(PushRules + "/global/override/.m.rule.master/enabled", new JsonObject { ["enabled"] = true }, user.AccessToken)).Ok();
        Assert.True((await Http.GetJsonAsync(accountData, user.AccessToken)).Ok()["global"]!["override"]![0]!["enabled"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("PUT", "/global/override/ok", """{"conditions":[]}""", HttpStatusCode.BadRequest, "M_MISSING_PARAM")]
    [InlineData("PUT", "/global/override/ok", """{"actions":["ring"]}""", HttpStatusCode.BadRequest, "M_INVALID_PARAM")]
    [InlineData("PUT", "/global/override/ok", """{"actions":"notify"}""", HttpStatusCode.BadRequest, "M_BAD_JSON")]
    [InlineData("PUT", "/global/override/ok", """{"actions":[],"conditions":[{"key":"type"}]}""", HttpStatusCode.BadRequest, "M_INVALID_PARAM")]
    [InlineData("PUT", "/global/override/ok", """{"actions":[],"conditions":["event_match"]}""", HttpStatusCode.BadRequest, "M_INVALID_PARAM")]
    [InlineData("PUT", "/global/content/ok", """{"actions":[]}""", HttpStatusCode.BadRequest, "M_MISSING_PARAM")]
    [InlineData("PUT", "/global/override/.mine", """{"actions":[]}""", HttpStatusCode.BadRequest, "M_INVALID_PARAM")]
    [InlineData("PUT", "/global/override/a%2Fb", """{"actions":[]}""", HttpStatusCode.BadRequest, "M_INVALID_PARAM")]
    [InlineData("PUT", "/global/override/a%5Cb", """{"actions":[]}""", HttpStatusCode.BadRequest, "M_INVALID_PARAM")]
    [InlineData("PUT", "/global/postcontent/ok", """{"actions":[]}""", HttpStatusCode.BadRequest, "M_INVALID_PARAM")]
    [InlineData("PUT", "/global/override/ok", "not json", HttpStatusCode.BadRequest, "M_NOT_JSON")]
    [InlineData("GET", "/global/bogus/ok", null, HttpStatusCode.BadRequest, "M_INVALID_PARAM")]
    [InlineData("GET", "/global/override/missing", null, HttpStatusCode.NotFound, "M_NOT_FOUND")]
    [InlineData("GET", "/global/override/missing/enabled", null, HttpStatusCode.NotFound, "M_NOT_FOUND")]
    [InlineData("GET", "/global/override/missing/actions", null, HttpStatusCode.NotFound, "M_NOT_FOUND")]
    [InlineData("PUT", "/global/override/missing/enabled", """{"enabled":true}""", HttpStatusCode.NotFound, "M_NOT_FOUND")]
    [InlineData("PUT", "/global/override/missing/actions", """{"actions":[]}""", HttpStatusCode.NotFound, "M_NOT_FOUND")]
    [InlineData("PUT", "/global/override/.m.rule.master/enabled", """{}""", HttpStatusCode.BadRequest, "M_MISSING_PARAM")]
    [InlineData("PUT", "/global/override/.m.rule.master/enabled", """{"enabled":"yes"}""", HttpStatusCode.BadRequest, "M_BAD_JSON")]
    [InlineData("PUT", "/global/override/.m.rule.master/actions", """{"actions":[5]}""", HttpStatusCode.BadRequest, "M_INVALID_PARAM")]
    [InlineData("PUT", "/global/override/.m.rule.master/actions", """{}""", HttpStatusCode.BadRequest, "M_MISSING_PARAM")]
    [InlineData("DELETE", "/global/bogus/ok", null, HttpStatusCode.BadRequest, "M_INVALID_PARAM")]
    [InlineData("GET", "/device/override/x", null, HttpStatusCode.BadRequest, "M_UNRECOGNIZED")]
    [InlineData("GET", "", null, HttpStatusCode.NotFound, "M_UNRECOGNIZED")]
    [InlineData("GET", "/global", null, HttpStatusCode.BadRequest, "M_UNRECOGNIZED")]
    [InlineData("GET", "/global/room", null, HttpStatusCode.BadRequest, "M_UNRECOGNIZED")]
    [InlineData("GET", "/not_a_scope/", null, HttpStatusCode.BadRequest, "M_UNRECOGNIZED")]
    [InlineData("GET", "/global/not_a_template/", null, HttpStatusCode.BadRequest, "M_UNRECOGNIZED")]
    [InlineData("GET", "/global/override/.m.rule.master/not_an_attr", null, HttpStatusCode.BadRequest, "M_UNRECOGNIZED")]
    [InlineData("PUT", "/", "{}", HttpStatusCode.BadRequest, "M_UNRECOGNIZED")]
    [InlineData("PUT", "/global", "{}", HttpStatusCode.BadRequest, "M_UNRECOGNIZED")]
    [InlineData("PUT", "/global/room/", "{}", HttpStatusCode.BadRequest, "M_UNRECOGNIZED")]
    [InlineData("PUT", "/not_a_scope/room/x", "{}", HttpStatusCode.BadRequest, "M_UNRECOGNIZED")]
    public async Task Bad_requests_get_the_spec_errors(string method, string path, string? body, HttpStatusCode status, string errcode)
    {
        var user = await fixture.NewUserAsync("henry");
        var response = await Http.SendAsync(new HttpMethod(method), PushRules + path, null, user.AccessToken, rawBody: body);
        response.IsError(status, errcode);
    }

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/global/")]
    [InlineData("GET", "/global/override/.m.rule.master")]
    [InlineData("PUT", "/global/override/x")]
    [InlineData("DELETE", "/global/override/x")]
    public async Task Every_endpoint_needs_an_access_token(string method, string path)
    {
        var response = await Http.SendAsync(new HttpMethod(method), PushRules + path, method == "PUT" ? JsonNode.Parse("""{"actions":[]}""") : null);
        response.IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Theory]
    [InlineData("GET", "/_matrix/client/v3/pushrules/")]
    [InlineData("PUT", "/_matrix/client/v3/pushrules/global/override/x")]
    [InlineData("GET", "/_matrix/client/v3/pushers")]
    [InlineData("POST", "/_matrix/client/v3/pushers/set")]
    [InlineData("GET", "/_matrix/client/v3/notifications")]
    public async Task Guests_are_refused(string method, string path)
    {
        var guest = await fixture.NewUserAsync("guest");
        await using (var db = _server.Db())
        {
            await db.Users.Where(u => u.UserId == guest.UserId).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsGuest, true));
        }

        var response = await Http.SendAsync(new HttpMethod(method), path, method == "GET" ? null : JsonNode.Parse("""{"actions":[]}"""), guest.AccessToken);
        response.IsError(HttpStatusCode.Forbidden, "M_GUEST_ACCESS_FORBIDDEN");
    }

    [Fact]
    public async Task A_user_cannot_have_unbounded_rules()
    {
        var user = await fixture.NewUserAsync("ivan");
        await using (var db = _server.Db())
        {
            for (var i = 0; i < PushRuleStore.MaxUserRules; i++)
            {
                db.Add(new Matrix.Homeserver.Storage.Entities.PushRuleEntry { UserId = user.UserId, Kind = "sender", RuleId = $"@u{i}:x", Actions = "[]", Enabled = true, Position = i });
            }

            await db.SaveChangesAsync();
        }

        var response = await Http.PutJsonAsync(PushRules + "/global/override/one-more", JsonNode.Parse("""{"actions":[]}"""), user.AccessToken);
        response.IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }
}
