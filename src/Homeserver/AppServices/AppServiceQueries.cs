using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// Asks application services about users and aliases of their namespaces that do not exist yet (spec: "Querying"):
/// the AS may create them (through the client API) before it answers 200, so the caller looks again after a yes.
/// An AS that fails or answers 404 is taken as a no. Each question waits at most <see cref="Timeout"/>.
/// </summary>
public sealed class AppServiceQueries(AppServiceRegistry registry, AppServiceClient client, IDbContextFactory<HomeserverDbContext> dbs,
    HomeserverOptions options, ILogger<AppServiceQueries> logger)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether the local user exists, asking the ASes whose users namespace covers it when it does not.
    /// Remote users are not asked about (false).
    /// </summary>
    public async Task<bool> UserExistsAsync(string userId, CancellationToken cancellationToken)
    {
        if (!UserIds.IsLocal(userId, options.ServerName)) return false;
        if (await ExistsAsync(userId, cancellationToken)) return true;
        foreach (var appService in registry.QueryableForUser(userId))
        {
            if (await AskAsync(appService, $"/_matrix/app/v1/users/{Uri.EscapeDataString(userId)}", cancellationToken)
                && await ExistsAsync(userId, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Asks the ASes whose aliases namespace covers the local alias; true when one says it now exists.</summary>
    public async Task<bool> AliasProvidedAsync(string alias, CancellationToken cancellationToken)
    {
        foreach (var appService in registry.QueryableForAlias(alias))
        {
            if (await AskAsync(appService, $"/_matrix/app/v1/rooms/{Uri.EscapeDataString(alias)}", cancellationToken)) return true;
        }

        return false;
    }

    private async Task<bool> ExistsAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Users.AnyAsync(u => u.UserId == userId, cancellationToken);
    }

    private async Task<bool> AskAsync(AppServiceRegistration appService, string path, CancellationToken cancellationToken)
    {
        try
        {
            await client.GetAsync(appService, path, cancellationToken, Timeout);
            return true;
        }
        catch (AppServiceCallException e)
        {
            if (e.Status != 404) logger.LogInformation("Query to application service {AppService} failed: {Reason}", appService.Id, e.Message);
            return false;
        }
    }
}
