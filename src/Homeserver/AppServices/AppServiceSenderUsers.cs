using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// Every AS acts as its sender user when it asserts no other, so that user must exist before the first request:
/// it is created at start when missing (as Synapse does), marked as the AS's, without password, named by its localpart.
/// </summary>
public static class AppServiceSenderUsers
{
    public static async Task EnsureExistAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<AppServiceRegistry>();
        if (registry.All.Count == 0) return;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds();
        await using var db = await services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync(cancellationToken);
        foreach (var appService in registry.All)
        {
            if (await db.Users.AnyAsync(u => u.UserId == appService.SenderUserId, cancellationToken)) continue;
            db.Users.Add(new User
            {
                UserId = appService.SenderUserId,
                Localpart = appService.SenderLocalpart,
                AppServiceId = appService.Id,
                DisplayName = appService.SenderLocalpart,
                CreatedTs = now,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
