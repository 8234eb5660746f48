using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Infrastructure;

/// <summary>A local user with a device and access token, as a client holds it.</summary>
public sealed record TestUser(string UserId, string DeviceId, string AccessToken)
{
    public string Localpart => UserId[1..UserId.IndexOf(':', StringComparison.Ordinal)];
}

/// <summary>
/// Test fixture: creates users straight in the database (no registration flow involved), for tests
/// of other features. Registration itself is tested over HTTP in the Accounts tests.
/// </summary>
public static class TestUsers
{
    public static async Task<TestUser> CreateUserAsync(this TestHomeserver server, string localpart, bool admin = false, string deviceId = "TESTDEVICE")
    {
        var userId = $"@{localpart}:{server.ServerName}";
        var factory = server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
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
}
