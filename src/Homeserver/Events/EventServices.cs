using Matrix.Federation.Auth;
using Matrix.Federation.StateResolution;
using Matrix.Homeserver.Events.Auth;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Pipeline;
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
        services.AddSingleton<IAuthSignatureVerifier, HomeserverSignatureVerifier>();
        services.AddSingleton<EventAuthorizer>();
        services.AddSingleton<StateResolver>();
        services.AddSingleton<RoomEventWriter>();
        services.AddSingleton<ClientEventLoader>();
        services.AddSingleton<RoomStateReader>();
        services.AddSingleton<EventVisibility>();
        services.AddSingleton<IStreamSource, EventStreamSource>();
        services.AddSingleton<IStreamSource, MembershipStreamSource>();
        return services;
    }
}
