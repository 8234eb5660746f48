using Matrix.Homeserver.FederationApi.Edus;
using Matrix.Homeserver.Sync.Receipts;
using Matrix.Homeserver.Sync.Typing;
using Mediator;

namespace Matrix.Homeserver.FederationApi.Ephemeral;

public static class FederationEphemeralServices
{
    /// <summary>Typing and receipts both ways: EDU handlers for what other servers send, and behaviors on the client commands that send ours.</summary>
    public static IServiceCollection AddFederationEphemeral(this IServiceCollection services)
    {
        services.AddSingleton<EphemeralDestinations>();
        services.AddHostedService(sp => sp.GetRequiredService<EphemeralDestinations>());
        services.AddSingleton<IEduHandler, TypingEduHandler>();
        services.AddSingleton<IEduHandler, ReceiptEduHandler>();
        services.AddScoped<IPipelineBehavior<SetTyping, Unit>, TypingFederation>();
        services.AddScoped<IPipelineBehavior<SendReceipt, Unit>, ReceiptFederation>();
        services.AddScoped<IPipelineBehavior<SetReadMarkers, Unit>, ReceiptFederation>();
        return services;
    }
}
