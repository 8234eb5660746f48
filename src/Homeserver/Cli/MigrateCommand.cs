using Matrix.Homeserver.Hosting;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Cli;

/// <summary>`migrate`: applies the pending migrations and exits, for upgrades run as a separate step.</summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var parsed = CommandArguments.Parse(args, [], []);
        await using var app = HomeserverHost.Build(parsed.Rest);
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync())
        {
            var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
            await StorageSetup.MigrateAsync(app.Services, CancellationToken.None);
            await output.WriteLineAsync(pending.Count == 0
                ? "The database is up to date."
                : $"Applied {pending.Count} migration(s): {string.Join(", ", pending)}");
        }

        return 0;
    }
}
