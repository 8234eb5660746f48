using Matrix.Homeserver.Http;
using Matrix.Homeserver.Push.Gateway;
using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Push.Pushers;
using Matrix.Homeserver.Push.UserRules;
using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Push;

public static class PushServices
{
    /// <summary>Push rules, notifications and their counts, pushers and the delivery to push gateways.</summary>
    public static IServiceCollection AddPushServices(this IServiceCollection services)
    {
        services.AddSingleton<PushRuleStore>();
        services.AddSingleton<EventThreads>();
        services.AddSingleton<UnreadRowsCache>();
        services.AddSingleton<EventNotifications>();
        services.AddSingleton<UnreadNotificationCounts>();
        services.AddSingleton<PusherService>();
        services.AddSingleton<PushDeliveryQueue>();
        services.AddSingleton<PushGatewayClient>();
        services.AddHostedService<PushDeliveryWorker>();
        services.AddSingleton<IStreamSource, PushStreamSource>();
        services.AddSingleton<IStreamSource, RoomPushStreamSource>();
        return services;
    }

    public static IEndpointRouteBuilder MapPushApi(this IEndpointRouteBuilder app)
    {
        // The spec's guest access module allows none of these endpoints.
        var client = app.MapGroup("/_matrix/client/v3").DenyGuests();
        client.MapPushRulesApi();
        client.MapNotificationsApi();
        client.MapPushersApi();
        return app;
    }
}
