using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.ServerKeys;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Hosting;

/// <summary>What must be true before the first request: the schema is migrated, the signing key exists,
/// application services' sender users exist.</summary>
public static class StartupTasks
{
    public static async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        // The key first: a broken key file is a configuration error, found before the database is touched.
        services.GetRequiredService<ServerSigningKey>();
        await StorageSetup.MigrateAsync(services, cancellationToken);
        await StreamStartup.InitializeAsync(services, cancellationToken);
        await AppServiceSenderUsers.EnsureExistAsync(services, cancellationToken);
    }
}
