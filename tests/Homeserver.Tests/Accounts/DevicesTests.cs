using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Accounts.Devices;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>GET /devices, GET/PUT/DELETE /devices/{id}, POST /delete_devices.</summary>
public sealed class DevicesTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private readonly TestHomeserver _server = fixture.Server;

    private Task<MatrixResponse> WhoAmI(string token) => _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", token);

    [Fact]
    public async Task Devices_are_listed_with_their_last_activity()
    {
        var user = await _server.RegisterAsync("lister");
        var phone = await _server.LoginAsync(user);
        await WhoAmI(phone.AccessToken);

        var devices = (await _server.Http.GetJsonAsync("/_matrix/client/v3/devices", user.AccessToken)).Ok()["devices"]!.AsArray();
        Assert.Equal(new[] { user.DeviceId, phone.DeviceId }.Order(StringComparer.Ordinal), devices.Select(d => d!["device_id"]!.GetValue<string>()));
        var seen = devices.Single(d => d!["device_id"]!.GetValue<string>() == phone.DeviceId)!;
        Assert.Equal("127.0.0.1", seen["last_seen_ip"]!.GetValue<string>());
        Assert.True(seen["last_seen_ts"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task Activity_reaches_the_database_when_flushed()
    {
        var user = await _server.RegisterAsync("flushed");
        await WhoAmI(user.AccessToken);
        await using (var db = await _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync())
        {
            await _server.Services.GetRequiredService<DeviceActivity>().FlushAsync(db, CancellationToken.None);
            var device = await db.Devices.SingleAsync(d => d.UserId == user.UserId);
            Assert.Equal("127.0.0.1", device.LastSeenIp);
            Assert.NotNull(device.LastSeenTs);
        }
    }

    [Fact]
    public async Task A_device_is_read_and_renamed()
    {
        var user = await _server.RegisterAsync("renamer");
        var path = $"/_matrix/client/v3/devices/{user.DeviceId}";
        (await _server.Http.PutJsonAsync(path, new JsonObject { ["display_name"] = "Work laptop" }, user.AccessToken)).Ok();
        Assert.Equal("Work laptop", (await _server.Http.GetJsonAsync(path, user.AccessToken)).Ok()["display_name"]!.GetValue<string>());
        (await _server.Http.PutJsonAsync(path, new JsonObject(), user.AccessToken)).Ok();
        Assert.Equal("Work laptop", (await _server.Http.GetJsonAsync(path, user.AccessToken)).Ok()["display_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_devices_and_bad_names_are_refused()
    {
        var user = await _server.RegisterAsync("strict");
        var other = await _server.RegisterAsync("otherowner");
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/devices/NOSUCH", user.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        // Another user's device is not the caller's device.
        (await _server.Http.GetJsonAsync($"/_matrix/client/v3/devices/{other.DeviceId}", user.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.PutJsonAsync("/_matrix/client/v3/devices/NOSUCH", new JsonObject { ["display_name"] = "x" }, user.AccessToken))
            .IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/devices/{user.DeviceId}", new JsonObject { ["display_name"] = new string('n', 101) }, user.AccessToken))
            .IsError(HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/devices/{user.DeviceId}", new JsonObject { ["display_name"] = 3 }, user.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/devices")).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Deleting_a_device_asks_for_the_password_and_revokes_its_token()
    {
        var user = await _server.RegisterAsync("pruner");
        var old = await _server.LoginAsync(user);
        var path = $"/_matrix/client/v3/devices/{old.DeviceId}";

        var challenge = await _server.Http.SendAsync(HttpMethod.Delete, path, accessToken: user.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.Status);
        // Another account's valid password is refused outright.
        var other = await _server.RegisterAsync("bystander");
        var othersAuth = new JsonObject { ["auth"] = other.PasswordAuth(challenge.Object["session"]!.GetValue<string>()) };
        (await _server.Http.SendAsync(HttpMethod.Delete, path, othersAuth, user.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        challenge = await _server.Http.SendAsync(HttpMethod.Delete, path, accessToken: user.AccessToken);
        var body = new JsonObject { ["auth"] = user.PasswordAuth(challenge.Object["session"]!.GetValue<string>()) };
        (await _server.Http.SendAsync(HttpMethod.Delete, path, body, user.AccessToken)).Ok();

        (await WhoAmI(old.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await _server.Http.GetJsonAsync(path, user.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.Contains(fixture.Publisher.OfType<DeviceDeleted>(), d => d.UserId == user.UserId && d.DeviceId == old.DeviceId);
    }

    [Fact]
    public async Task Deleting_several_devices_at_once()
    {
        var user = await _server.RegisterAsync("bulk");
        var a = await _server.LoginAsync(user);
        var b = await _server.LoginAsync(user);
        var body = new JsonObject { ["devices"] = new JsonArray(a.DeviceId, b.DeviceId, "NEVEREXISTED") };
        var challenge = await _server.Http.PostJsonAsync("/_matrix/client/v3/delete_devices", body, user.AccessToken);
        body["auth"] = user.PasswordAuth(challenge.Object["session"]!.GetValue<string>());
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/delete_devices", body, user.AccessToken)).Ok();

        (await WhoAmI(a.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await WhoAmI(b.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await WhoAmI(user.AccessToken)).Ok();
    }

    [Fact]
    public async Task A_session_started_for_some_devices_cannot_delete_others()
    {
        var user = await _server.RegisterAsync("bound");
        var a = await _server.LoginAsync(user);
        var b = await _server.LoginAsync(user);
        var challenge = await _server.Http.PostJsonAsync("/_matrix/client/v3/delete_devices", new JsonObject { ["devices"] = new JsonArray(a.DeviceId) }, user.AccessToken);
        var session = challenge.Object["session"]!.GetValue<string>();

        var swapped = new JsonObject { ["devices"] = new JsonArray(b.DeviceId), ["auth"] = user.PasswordAuth(session) };
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/delete_devices", swapped, user.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        // Nor on another endpoint.
        var elsewhere = new JsonObject { ["auth"] = user.PasswordAuth(session) };
        (await _server.Http.SendAsync(HttpMethod.Delete, $"/_matrix/client/v3/devices/{a.DeviceId}", elsewhere, user.AccessToken))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await WhoAmI(b.AccessToken)).Ok();
    }

    [Fact]
    public async Task Delete_devices_checks_its_body()
    {
        var user = await _server.RegisterAsync("sloppy");
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/delete_devices", new JsonObject(), user.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/delete_devices", new JsonObject { ["devices"] = "ABC" }, user.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/delete_devices", new JsonObject { ["devices"] = new JsonArray(1) }, user.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }
}
