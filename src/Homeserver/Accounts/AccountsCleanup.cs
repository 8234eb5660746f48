using Matrix.Homeserver.Accounts.Login;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Hosting;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Accounts;

/// <summary>Deletes expired auth sessions (giving back their registration token reservations) and login tokens.</summary>
public sealed class AccountsCleanup(IServiceScopeFactory scopes, LoginTokenService loginTokens, ILogger<AccountsCleanup> logger)
    : PeriodicBackgroundService(Interval)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
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
