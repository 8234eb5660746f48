using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;

namespace Matrix.Homeserver.Tests.AppServices;

/// <summary>The homeserver asks the AS about unknown users and aliases of its namespaces, and looks again after a yes.</summary>
public sealed class QueryTests : IAsyncLifetime
{
    private FakeAppService _bridge = null!;
    private TestRegistration _registration = null!;
    private TestHomeserver _server = null!;

    public async Task InitializeAsync()
    {
        var hsToken = "hs_" + Guid.NewGuid().ToString("N");
        _bridge = await FakeAppService.StartAsync(hsToken);
        _registration = new TestRegistration("bridge", "_bridge_bot", "@_bridge_.*") { HsToken = hsToken, Url = _bridge.Url, AliasesRegex = "#_bridge_.*" };
        _server = await AppServiceRig.StartAsync(_registration);
        // The AS provisions the users it is asked about whose localpart starts with _bridge_ok, and no others.
        _bridge.OnUserQuery = async userId =>
        {
            if (!userId.StartsWith("@_bridge_ok", StringComparison.Ordinal)) return false;
            var localpart = userId[1..userId.IndexOf(':', StringComparison.Ordinal)];
            (await _server.Http.PostJsonAsync("/_matrix/client/v3/register",
                new JsonObject { ["type"] = "m.login.application_service", ["username"] = localpart, ["inhibit_login"] = true }, _registration.AsToken)).Ok();
            return true;
        };
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _bridge.DisposeAsync();
    }

    [Fact]
    public async Task A_profile_lookup_asks_the_AS_about_an_unknown_user()
    {
        var alice = await _server.NewUserAsync("alice");
        var profile = (await _server.GetAsync(alice, "/profile/" + RoomsClient.Path("@_bridge_ok1:localhost"))).Ok();
        Assert.Equal("_bridge_ok1", profile["displayname"]!.GetValue<string>());
        Assert.Contains("@_bridge_ok1:localhost", _bridge.UserQueries);

        (await _server.GetAsync(alice, "/profile/" + RoomsClient.Path("@_bridge_no1:localhost"))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.Contains("@_bridge_no1:localhost", _bridge.UserQueries);
        // Users outside every namespace are nobody's business.
        (await _server.GetAsync(alice, "/profile/" + RoomsClient.Path("@ghost:localhost"))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.DoesNotContain("@ghost:localhost", _bridge.UserQueries);
        Assert.Equal(0, _bridge.Unauthorized);
    }

    [Fact]
    public async Task Invites_and_room_creation_ask_the_AS_about_unknown_invitees()
    {
        var alice = await _server.NewUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject());
        (await _server.MembershipAsync(alice, roomId, "invite", "@_bridge_ok2:localhost")).Ok();
        Assert.Contains("@_bridge_ok2:localhost", _bridge.UserQueries);
        var member = await _server.StateContentAsync(alice, roomId, "m.room.member", "@_bridge_ok2:localhost");
        Assert.Equal("_bridge_ok2", member!["displayname"]!.GetValue<string>());

        await _server.CreateRoomAsync(alice, new JsonObject { ["invite"] = new JsonArray("@_bridge_ok3:localhost") });
        Assert.Contains("@_bridge_ok3:localhost", _bridge.UserQueries);
    }

    [Fact]
    public async Task Resolving_an_unknown_alias_asks_the_AS_then_looks_again()
    {
        var alice = await _server.NewUserAsync("alice");
        var wanted = "#_bridge_room" + Guid.NewGuid().ToString("N")[..6] + ":localhost";
        string? created = null;
        _bridge.OnAliasQuery = async alias =>
        {
            if (alias != wanted) return false;
            created = await _server.CreateRoomAsync(_registration.Sender, new JsonObject { ["preset"] = "public_chat" });
            (await _server.PutAsync(_registration.Sender, "/directory/room/" + RoomsClient.Path(alias), new JsonObject { ["room_id"] = created })).Ok();
            return true;
        };

        var resolved = (await _server.GetAsync(alice, "/directory/room/" + RoomsClient.Path(wanted))).Ok();
        Assert.Equal(created, resolved["room_id"]!.GetValue<string>());
        Assert.Contains(wanted, _bridge.AliasQueries);
        (await _server.JoinRoomAsync(alice, wanted)).Ok();

        var unknown = "#_bridge_none:localhost";
        (await _server.GetAsync(alice, "/directory/room/" + RoomsClient.Path(unknown))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.Contains(unknown, _bridge.AliasQueries);
        (await _server.GetAsync(alice, "/directory/room/" + RoomsClient.Path("#elsewhere:localhost"))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.DoesNotContain("#elsewhere:localhost", _bridge.AliasQueries);
    }
}
