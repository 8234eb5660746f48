using Matrix.Homeserver.Push.UserRules;
using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Push;

public static class PushServices
{
    /// <summary>Push rules, notifications and their counts, pushers and the delivery to push gateways.</summary>
    public static IServiceCollection AddPushServices(this IServiceCollection services)
    {
        services.AddSingleton<PushRuleStore>();
        services.AddSingleton<IStreamSource, PushStreamSource>();
        return services;
    }

    public static IEndpointRouteBuilder MapPushApi(this IEndpointRouteBuilder app)
    {
        app.MapPushRulesApi();
        return app;
    }
}
