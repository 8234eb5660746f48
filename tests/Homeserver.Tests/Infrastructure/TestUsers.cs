using System.Net;
using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Storage.Entities;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Infrastructure;

/// <summary>A registered user with one logged-in device.</summary>
public sealed record TestUser(string UserId, string DeviceId, string AccessToken, string Password = "")
{
    public string Localpart => UserId[1..UserId.IndexOf(':', StringComparison.Ordinal)];
}

/// <summary>Registering and logging in users over HTTP, the way clients do (with the m.login.dummy auth step).</summary>
public static class TestUsers
{
    public const string DefaultPassword = "correct horse battery staple";

    /// <summary>Registers <paramref name="localpart"/> and returns its user ID, device ID and access token.</summary>
    public static async Task<TestUser> RegisterAsync(this TestHomeserver server, string localpart, string password = DefaultPassword,
        string? deviceId = null)
    {
        var body = new JsonObject { ["username"] = localpart, ["password"] = password };
        if (deviceId is not null) body["device_id"] = deviceId;
        var challenge = await server.Http.PostJsonAsync("/_matrix/client/v3/register", body);
        Assert.True(challenge.Status == HttpStatusCode.Unauthorized, $"expected the auth challenge, got {(int)challenge.Status}: {challenge.Body?.ToJsonString()}");
        body["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = challenge.Object["session"]!.GetValue<string>() };
        var registered = (await server.Http.PostJsonAsync("/_matrix/client/v3/register", body)).Ok();
        return new TestUser(Text(registered, "user_id"), Text(registered, "device_id"), Text(registered, "access_token"), password);
    }

    /// <summary>Logs the user in again: a new device with its own token.</summary>
    public static async Task<TestUser> LoginAsync(this TestHomeserver server, TestUser user, string? deviceId = null)
    {
        var body = new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user.UserId },
            ["password"] = user.Password,
        };
        if (deviceId is not null) body["device_id"] = deviceId;
        var login = (await server.Http.PostJsonAsync("/_matrix/client/v3/login", body)).Ok();
        return user with { DeviceId = Text(login, "device_id"), AccessToken = Text(login, "access_token") };
    }

    /// <summary>A password login asking for a refresh token; returns the whole answer (access_token, refresh_token, expires_in_ms...).</summary>
    public static async Task<JsonObject> LoginWithRefreshTokenAsync(this TestHomeserver server, TestUser user) =>
        (await server.Http.PostJsonAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user.UserId },
            ["password"] = user.Password,
            ["refresh_token"] = true,
        })).Ok();

    /// <summary>Makes the user a server admin (users.is_admin), as an operator would in the database.</summary>
    public static async Task MakeAdminAsync(this TestHomeserver server, TestUser user)
    {
        await using var db = await server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        await db.Users.Where(u => u.UserId == user.UserId).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsAdmin, true));
    }

    /// <summary>The auth dict of an m.login.password stage for the user.</summary>
    public static JsonObject PasswordAuth(this TestUser user, string session, string? password = null) => new()
    {
        ["type"] = "m.login.password",
        ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user.UserId },
        ["password"] = password ?? user.Password,
        ["session"] = session,
    };

    /// <summary>
    /// A user created straight in the database (no registration flow, no password), for tests of other
    /// features that only need a token. Registration itself is tested over HTTP in the Accounts tests.
    /// </summary>
    public static async Task<TestUser> CreateUserAsync(this TestHomeserver server, string localpart, bool admin = false, string deviceId = "TESTDEVICE")
    {
        var userId = $"@{localpart}:{server.ServerName}";
        await using var db = await server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (!await db.Users.AnyAsync(u => u.UserId == userId))
        {
            db.Users.Add(new User { UserId = userId, Localpart = localpart, IsAdmin = admin, CreatedTs = now });
        }

        if (!await db.Devices.AnyAsync(d => d.UserId == userId && d.DeviceId == deviceId))
        {
            db.Devices.Add(new Device { UserId = userId, DeviceId = deviceId, CreatedTs = now });
        }

        await db.SaveChangesAsync();
        var (token, _) = await server.Services.GetRequiredService<AccessTokenService>().CreateAsync(db, userId, deviceId);
        return new TestUser(userId, deviceId, token);
    }

    private static string Text(JsonObject json, string name) => json[name]?.GetValue<string>() ?? throw new InvalidOperationException($"no {name} in {json.ToJsonString()}");
}
