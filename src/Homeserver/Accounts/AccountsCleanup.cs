using Matrix.Homeserver.Accounts.Login;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Hosting;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Accounts;

/// <summary>
/// Deletes expired auth sessions (giving back their registration token reservations) and login tokens. The first run is
/// soon after start: it clears what expired while the server was down, and its queries' compilation (a thousand
/// methods) falls in start-up's wake, before the idle collector gives start-up's memory back, not a minute into idle.
/// </summary>
public sealed class AccountsCleanup(IServiceScopeFactory scopes, LoginTokenService loginTokens, ILogger<AccountsCleanup> logger)
    : PeriodicBackgroundService(Interval, firstTickAfter: FirstTickAfter)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FirstTickAfter = TimeSpan.FromSeconds(2);
    private const int Batch = 500;

    protected override Task TickAsync(CancellationToken stoppingToken) => RunOnceAsync(stoppingToken);

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var uia = scope.ServiceProvider.GetRequiredService<UserInteractiveAuth>();
            // Bounded: a backlog larger than this many batches waits for the next tick.
            for (var i = 0; i < 100 && await uia.ExpireAsync(Batch, cancellationToken) == Batch; i++)
            {
            }

            await loginTokens.DeleteExpiredAsync(scope.ServiceProvider.GetRequiredService<HomeserverDbContext>(), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Account clean-up failed; it runs again at the next tick");
        }
    }
}
