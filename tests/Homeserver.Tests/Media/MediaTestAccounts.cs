using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Media;

/// <summary>
/// Test fixture: creates accounts straight in the database with a real access token, so media tests
/// do not depend on the registration endpoints.
/// </summary>
public static class MediaTestAccounts
{
    public static async Task<string> CreateAsync(TestHomeserver server, string localpart, bool isAdmin = false, bool isGuest = false)
    {
        using var scope = server.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HomeserverDbContext>();
        var userId = $"@{localpart}:{server.ServerName}";
        db.Users.Add(new User { UserId = userId, Localpart = localpart, IsAdmin = isAdmin, IsGuest = isGuest });
        db.Devices.Add(new Device { UserId = userId, DeviceId = "MEDIATEST" });
        await db.SaveChangesAsync();
        var (token, _) = await server.Services.GetRequiredService<AccessTokenService>().CreateAsync(db, userId, "MEDIATEST");
        return token;
    }
}
