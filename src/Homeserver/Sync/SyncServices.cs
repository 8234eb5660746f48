using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Sync.Presence;
using Matrix.Homeserver.Sync.Receipts;
using Matrix.Homeserver.Sync.Rooms;
using Matrix.Homeserver.Sync.Sliding;
using Matrix.Homeserver.Sync.Streams;
using Matrix.Homeserver.Sync.Typing;

namespace Matrix.Homeserver.Sync;

public static class SyncServices
{
    /// <summary>/sync, its streams, and the typing, receipt and presence features.</summary>
    public static IServiceCollection AddSync(this IServiceCollection services)
    {
        services.AddSingleton<EphemeralSerial>();
        services.AddSingleton<SyncWakeups>();
        services.AddSingleton<SyncService>();
        services.AddSingleton<UnansweredSends>();
        services.AddSingleton<SyncEventFormatter>();

        services.AddSingleton<RoomSelection>();
        services.AddSingleton<TimelineLoader>();
        services.AddSingleton<RoomStateMaps>();
        services.AddSingleton<RoomSummaries>();
        services.AddSingleton<StrippedState>();
        services.AddSingleton<LazyMemberCache>();
        services.AddSingleton<RoomsStream>();
        services.AddScoped<AccountDataReader>();

        // The streams after the rooms stream, in answer order, resolved in each computation's scope;
        // other features add theirs (to-device, device lists, key counts). Those that keep nothing per request are
        // singletons: each woken sync would otherwise build them all again (a thousand at once in a busy room).
        services.AddSingleton<ISyncStream, AccountDataStream>();
        services.AddSingleton<ISyncStream, ReceiptsStream>();
        services.AddSingleton<ISyncStream, TypingStream>();
        services.AddSingleton<ISyncStream, PresenceStream>();
        services.AddSlidingSync();

        services.AddSingleton<TypingService>();
        services.AddSingleton<PresenceService>();
        services.AddSingleton<RemotePresence>();
        services.AddHostedService<PresenceWorker>();
        services.AddSingleton<PresenceWakeups>();
        services.AddHostedService(sp => sp.GetRequiredService<PresenceWakeups>());
        services.AddScoped<ReceiptService>();
        services.AddScoped<ReadMarkerService>();
        services.AddSingleton<IStreamSource, ReceiptStreamSource>();
        // The push feature's unread counts read how far each user has read from the receipts.
        services.AddSingleton<IReadReceiptPositions, ReceiptReadPositions>();
        return services;
    }

    public static IEndpointRouteBuilder MapSyncApis(this IEndpointRouteBuilder app)
    {
        app.MapSyncApi();
        app.MapEventStreamApi();
        app.MapLegacyInitialSyncApi();
        app.MapSlidingSyncApi();
        app.MapTypingApi();
        app.MapReceiptsApi();
        app.MapPresenceApi();
        return app;
    }
}
