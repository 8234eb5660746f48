using Matrix.Homeserver.Hosting;

namespace Matrix.Homeserver.Accounts.Tokens;

/// <summary>Runs <see cref="AccessTokenService.RevalidateAsync"/> every <see cref="Interval"/>.</summary>
public sealed class AccessTokenRevalidator(AccessTokenService tokens, ILogger<AccessTokenRevalidator> logger)
    : PeriodicBackgroundService(Interval)
{
    /// <summary>Shorter than <see cref="AccessTokenService.RevalidateAhead"/>, so that each run reaches the next one's start.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    protected override async Task TickAsync(CancellationToken stoppingToken)
    {
        try
        {
            await tokens.RevalidateAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The validations then fall due in requests, which check them one by one.
            logger.LogWarning(e, "Checking cached access tokens failed; it runs again at the next tick");
        }
    }
}
