using Microsoft.Extensions.DependencyInjection.Extensions;
using Matrix.Federation.Auth;
using Matrix.Federation.StateResolution;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Auth;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Reading;
using Matrix.Homeserver.Events.Relations;
using Matrix.Homeserver.Events.Search;
using Matrix.Homeserver.Events.Sending;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Events;

public static class EventServices
{
    /// <summary>The event pipeline and its stores.</summary>
    public static IServiceCollection AddRoomEventServices(this IServiceCollection services)
    {
        services.AddSingleton<EventStore>();
        services.AddSingleton<StateGroupStore>();
        services.AddSingleton<RoomLocks>();
        services.AddSingleton<RoomHeads>();
        services.AddSingleton<IAuthSignatureVerifier, HomeserverSignatureVerifier>();
        services.AddSingleton<EventAuthorizer>();
        services.AddSingleton<StateResolver>();
        services.AddSingleton<Policy.RoomPolicyServers>();
        services.AddSingleton<RoomEventWriter>();
        services.AddSingleton<ClientEventLoader>();
        services.AddSingleton<RoomStateReader>();
        services.AddSingleton<RoomSnapshots>();
        services.AddSingleton<EventVisibility>();
        services.AddSingleton<IStreamSource, EventStreamSource>();
        services.AddSingleton<IStreamSource, MembershipStreamSource>();
        services.AddSingleton<RelationAggregator>();
        services.AddSingleton<VisibleEventPager>();
        services.AddSingleton<RoomTimeline>();
        services.TryAddSingleton<IRoomHistoryBackfill, NoHistoryBackfill>();
        services.AddSingleton<StateAtEvent>();
        services.AddSingleton<RoomAccess>();
        services.AddSingleton<RedactionPolicy>();
        services.AddSingleton<SearchEventContextLoader>();
        services.AddSingleton<LocalEventCommits>();
        services.AddSingleton<SearchIndexer>();
        services.AddHostedService(sp => sp.GetRequiredService<SearchIndexer>());
        services.AddSingleton<IFullTextSearch>(sp => sp.GetRequiredService<HomeserverOptions>().Database.Provider == DatabaseProvider.Postgres
            ? new PostgresFullTextSearch()
            : new SqliteFullTextSearch());
        return services;
    }

    /// <summary>The room events client API: sending, reading, pagination, relations and threads.</summary>
    public static IEndpointRouteBuilder MapRoomEventApis(this IEndpointRouteBuilder app)
    {
        app.MapRoomEventsApi();
        app.MapRelationsApi();
        app.MapSearchApi();
        return app;
    }
}
