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
        services.AddSingleton<IReadReceiptPositions, NoReadReceiptsYet>();
        services.AddSingleton<UnreadNotificationCounts>();
        services.AddSingleton<PusherService>();
        services.AddSingleton<PushDeliveryQueue>();
        services.AddSingleton<PushGatewayClient>();
        services.AddHostedService<PushDeliveryWorker>();
        services.AddSingleton<IStreamSource, PushStreamSource>();
        return services;
    }

    public static IEndpointRouteBuilder MapPushApi(this IEndpointRouteBuilder app)
    {
        app.MapPushRulesApi();
        app.MapNotificationsApi();
        app.MapPushersApi();
        return app;
    }
}
