using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;

namespace Matrix.Homeserver.Tests.ClientExtras;

/// <summary>
/// The small endpoints clients call at start-up or from settings: TURN without servers, third-party
/// protocols and identifiers (none here), whois, mutual rooms and the support well-known.
/// </summary>
public sealed class ClientExtrasTests(ClientExtrasTests.Fixture fixture) : IClassFixture<ClientExtrasTests.Fixture>
{
    public sealed class Fixture : HomeserverFixture
    {
        protected override void Configure(IDictionary<string, string?> settings)
        {
            settings["Homeserver:Support:Contacts:0:Role"] = "m.role.admin";
            settings["Homeserver:Support:Contacts:0:MatrixId"] = "@admin:localhost";
            settings["Homeserver:Support:Contacts:1:Role"] = "m.role.security";
            settings["Homeserver:Support:Contacts:1:EmailAddress"] = "security@example.org";
            settings["Homeserver:Support:SupportPage"] = "https://example.org/support";
        }
    }

    private readonly TestHomeserver _server = fixture.Server;

    [Fact]
    public async Task Turn_without_servers_is_an_empty_object()
    {
        var user = await _server.NewUserAsync("voip");
        Assert.Empty((await _server.Http.GetJsonAsync("/_matrix/client/v3/voip/turnServer", user.AccessToken)).Ok());
    }

    [Fact]
    public async Task There_are_no_third_party_protocols()
    {
        var user = await _server.NewUserAsync("tp");
        Assert.Empty((await _server.Http.GetJsonAsync("/_matrix/client/v3/thirdparty/protocols", user.AccessToken)).Ok());
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/thirdparty/protocol/irc", user.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        var locations = await _server.Http.GetJsonAsync("/_matrix/client/v3/thirdparty/location?alias=%23irc", user.AccessToken);
        Assert.Equal(HttpStatusCode.OK, locations.Status);
        Assert.Empty(Assert.IsType<JsonArray>(locations.Body));
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/thirdparty/user", user.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
    }

    [Fact]
    public async Task Accounts_have_no_third_party_identifiers_and_none_can_be_validated()
    {
        var user = await _server.NewUserAsync("tpid");
        var list = (await _server.Http.GetJsonAsync("/_matrix/client/v3/account/3pid", user.AccessToken)).Ok();
        Assert.Empty(list["threepids"]!.AsArray());
        var request = new JsonObject { ["client_secret"] = "s3cret", ["email"] = "a@example.org", ["send_attempt"] = 1 };
        var phone = new JsonObject { ["client_secret"] = "s3cret", ["country"] = "GB", ["phone_number"] = "07700900001", ["send_attempt"] = 1 };
        foreach (var (path, body) in new[]
        {
            ("register/email", request), ("account/password/email", request), ("account/3pid/email", request),
            ("register/msisdn", phone), ("account/password/msisdn", phone), ("account/3pid/msisdn", phone),
        })
        {
            (await _server.Http.PostJsonAsync($"/_matrix/client/v3/{path}/requestToken", body)).IsError(HttpStatusCode.BadRequest, "M_THREEPID_DENIED");
        }

        (await _server.Http.PostJsonAsync("/_matrix/client/v3/account/3pid/add", new JsonObject { ["sid"] = "x", ["client_secret"] = "y" }, user.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_THREEPID_AUTH_FAILED");
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/account/3pid/add", new JsonObject { ["client_secret"] = "y" }, user.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        var removed = (await _server.Http.PostJsonAsync("/_matrix/client/v3/account/3pid/delete", new JsonObject { ["medium"] = "email", ["address"] = "a@example.org" }, user.AccessToken)).Ok();
        Assert.Equal("no-support", removed["id_server_unbind_result"]!.GetValue<string>());
    }

    [Fact]
    public async Task Whois_lists_devices_for_the_user_or_an_admin_only()
    {
        var user = await _server.NewUserAsync("who");
        var admin = await _server.NewUserAsync("boss", admin: true);
        var other = await _server.NewUserAsync("nosy");
        var mine = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/admin/whois/{user.UserId}", user.AccessToken)).Ok();
        Assert.Equal(user.UserId, mine["user_id"]!.GetValue<string>());
        Assert.NotNull(mine["devices"]![user.DeviceId]!["sessions"]);
        (await _server.Http.GetJsonAsync($"/_matrix/client/v3/admin/whois/{user.UserId}", admin.AccessToken)).Ok();
        (await _server.Http.GetJsonAsync($"/_matrix/client/v3/admin/whois/{user.UserId}", other.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/admin/whois/@ghost:localhost", admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Mutual_rooms_are_the_rooms_both_users_joined()
    {
        var alice = await _server.NewUserAsync("mutuala");
        var bob = await _server.NewUserAsync("mutualb");
        var shared = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        (await _server.JoinRoomAsync(bob, shared)).Ok();

        var mutual = (await _server.Http.GetJsonAsync($"/_matrix/client/v1/mutual_rooms?user_id={Uri.EscapeDataString(bob.UserId)}", alice.AccessToken)).Ok();
        Assert.Equal(shared, Assert.Single(mutual["joined"]!.AsArray())!.GetValue<string>());
        Assert.Equal(1, mutual["count"]!.GetValue<int>());
        Assert.Null(mutual["next_batch"]);
        var nobody = (await _server.Http.GetJsonAsync("/_matrix/client/v1/mutual_rooms?user_id=%40nobody%3Alocalhost", alice.AccessToken)).Ok();
        Assert.Empty(nobody["joined"]!.AsArray());
        (await _server.Http.GetJsonAsync("/_matrix/client/v1/mutual_rooms", alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await _server.Http.GetJsonAsync("/_matrix/client/v1/mutual_rooms?user_id=bob", alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Support_information_is_published()
    {
        var support = (await _server.Http.GetJsonAsync("/.well-known/matrix/support")).Ok();
        var contacts = support["contacts"]!.AsArray();
        Assert.Equal("@admin:localhost", contacts[0]!["matrix_id"]!.GetValue<string>());
        Assert.Equal("security@example.org", contacts[1]!["email_address"]!.GetValue<string>());
        Assert.Equal("https://example.org/support", support["support_page"]!.GetValue<string>());
    }
}
