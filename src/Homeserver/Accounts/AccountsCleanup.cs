using Matrix.Homeserver.Accounts.Login;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Hosting;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts;

/// <summary>
/// Deletes expired auth sessions (giving back their registration token reservations) and login tokens. The first run is
/// soon after start: it clears what expired while the server was down, and its queries' compilation (a thousand
/// methods) falls in start-up's wake, before the idle collector gives start-up's memory back, not a minute into idle.
/// Later ticks run only once something can have expired (<see cref="AccountExpiries"/>): a quiet server's minute
/// otherwise read back ~8 MiB of EF Core's pages that the idle collector had given back.
/// </summary>
public sealed class AccountsCleanup(IServiceScopeFactory scopes, LoginTokenService loginTokens, AccountExpiries expiries, TimeProvider clock,
    ILogger<AccountsCleanup> logger)
    : PeriodicBackgroundService(Interval, firstTickAfter: FirstTickAfter)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FirstTickAfter = TimeSpan.FromSeconds(2);
    private const int Batch = 500;

    protected override Task TickAsync(CancellationToken stoppingToken) =>
        expiries.AnyDue(clock.GetUtcNow().ToUnixTimeMilliseconds()) ? RunOnceAsync(stoppingToken) : Task.CompletedTask;

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        expiries.Forget();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var uia = scope.ServiceProvider.GetRequiredService<UserInteractiveAuth>();
            // Bounded: a backlog larger than this many batches waits for the next tick.
            for (var i = 0; i < 100 && await uia.ExpireAsync(Batch, cancellationToken) == Batch; i++)
            {
            }

            var db = scope.ServiceProvider.GetRequiredService<HomeserverDbContext>();
            await loginTokens.DeleteExpiredAsync(db, cancellationToken);
            // What is left expires later (or is a backlog past the run's bound, due at once).
            var sessions = await db.UiaSessions.MinAsync(s => (long?)s.ExpiresTs, cancellationToken);
            var tokens = await db.LoginTokens.MinAsync(t => (long?)t.ExpiresTs, cancellationToken);
            if (sessions is { } s) expiries.Note(s);
            if (tokens is { } t) expiries.Note(t);
        }
        catch (Exception e)
        {
            expiries.Unknown();
            if (e is OperationCanceledException) throw;
            logger.LogWarning(e, "Account clean-up failed; it runs again at the next tick");
        }
    }
}
