using Matrix.Homeserver.FederationApi.Backfill;
using Matrix.Homeserver.FederationApi.Edus;
using Matrix.Homeserver.FederationApi.Events;
using Matrix.Homeserver.FederationApi.Ingest;
using Matrix.Homeserver.FederationApi.Transactions;
using Matrix.Homeserver.FederationSender;

namespace Matrix.Homeserver.FederationApi;

/// <summary>Room events over federation: inbound transactions and their ingest, the read endpoints, outbound backfill, the sender.</summary>
public static class FederationEventServices
{
    public static IServiceCollection AddFederationEventServices(this IServiceCollection services)
    {
        services.AddSingleton<RoomServers>();
        services.AddSingleton<RoomEventRequests>();
        services.AddSingleton<ReceivedPduChecks>();
        services.AddSingleton<OutlierPersister>();
        services.AddSingleton<AuthEventFetcher>();
        services.AddSingleton<PrevEventFetcher>();
        services.AddSingleton<StateAtIncoming>();
        services.AddSingleton<IncomingPduHandler>();
        services.AddSingleton<EduDispatcher>();
        services.AddSingleton<ReceivedTransactionStore>();
        services.AddSingleton<PduBatchProcessor>();
        services.AddSingleton<InboundTransactions>();
        services.AddSingleton<ServerRoomAccess>();
        services.AddSingleton<ServerEventView>();
        services.AddSingleton<RoomHistoryBackfiller>();
        services.AddSingleton<Matrix.Homeserver.Events.Pagination.IRoomHistoryBackfill>(sp => sp.GetRequiredService<RoomHistoryBackfiller>());

        services.AddSingleton<OutboxStore>();
        services.AddSingleton<SenderCatchUp>();
        services.AddSingleton<FederationOutbox>();
        services.AddHostedService(sp => sp.GetRequiredService<FederationOutbox>());
        return services;
    }

    /// <summary>PUT /send and the endpoints that read room events.</summary>
    public static IEndpointRouteBuilder MapFederationEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapFederationTransactionsApi();
        app.MapFederationRoomEventsApi();
        return app;
    }
}
