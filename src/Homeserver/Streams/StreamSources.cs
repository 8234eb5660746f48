using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Streams;

/// <summary>
/// A table that stores stream positions. At start-up the generator resumes after the highest
/// position any source holds; each feature registers its own source.
/// </summary>
public interface IStreamSource
{
    Task<long> MaxPositionAsync(HomeserverDbContext db, CancellationToken cancellationToken);
}

internal static class StreamStartup
{
    public static async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var factory = services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<HomeserverDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        long max = 0;
        foreach (var source in services.GetServices<IStreamSource>())
        {
            max = Math.Max(max, await source.MaxPositionAsync(db, cancellationToken));
        }

        services.GetRequiredService<StreamIdGenerator>().Initialize(max);
    }
}
