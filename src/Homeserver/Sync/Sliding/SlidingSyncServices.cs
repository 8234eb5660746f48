using Matrix.Homeserver.Sync.Sliding.Extensions;

namespace Matrix.Homeserver.Sync.Sliding;

public static class SlidingSyncServices
{
    /// <summary>Simplified sliding sync over sync v2's services (timelines, state maps, summaries, receipts, typing, account data).</summary>
    public static IServiceCollection AddSlidingSync(this IServiceCollection services)
    {
        services.AddSingleton<SlidingConnections>();
        services.AddSingleton<SlidingSyncService>();
        services.AddSingleton<SlidingRoomState>();
        services.AddScoped<SlidingRoomLists>();
        services.AddScoped<SlidingRoomsBuilder>();
        services.AddScoped<SlidingExtensions>();
        return services;
    }
}
