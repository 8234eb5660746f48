using Matrix.Homeserver.Rooms.Aliases;
using Matrix.Homeserver.Rooms.Creation;
using Matrix.Homeserver.Rooms.Directory;
using Matrix.Homeserver.Rooms.Membership;
using Matrix.Homeserver.Rooms.Remote;
using Matrix.Homeserver.Rooms.Spaces;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Rooms.ThirdPartyInvites;
using Matrix.Homeserver.Rooms.Upgrades;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Matrix.Homeserver.Rooms;

public static class RoomServices
{
    /// <summary>
    /// The rooms Client-Server API's services. <see cref="IRemoteRooms"/> is registered with TryAdd:
    /// the federation feature replaces it by registering its own first.
    /// </summary>
    public static IServiceCollection AddRooms(this IServiceCollection services)
    {
        services.TryAddSingleton<IRemoteRooms, LocalOnlyRooms>();
        services.AddSingleton<RoomAliases>();
        services.AddScoped<ServerNotices.ServerNoticeRooms>();
        services.AddSingleton<CanonicalAliasValidator>();
        services.AddSingleton<RoomTargets>();
        services.AddSingleton<RoomPermissions>();
        services.AddSingleton<RestrictedJoins>();
        services.AddSingleton<RoomMembershipService>();
        services.AddSingleton<AccountMembershipChanges>();
        services.AddSingleton<RoomStateAccess>();
        services.AddSingleton<StateEventSender>();
        services.AddSingleton<RoomSummaries>();
        services.AddSingleton<SpaceChildren>();
        services.AddThirdPartyInvites();
        return services;
    }

    /// <summary>Room creation, membership, aliases, the room directory, state, upgrades and spaces.</summary>
    public static IEndpointRouteBuilder MapRoomApis(this IEndpointRouteBuilder app)
    {
        app.MapCreateRoomApi();
        app.MapMembershipApi();
        app.MapThirdPartyInviteApi();
        app.MapAliasApi();
        app.MapDirectoryApi();
        app.MapRoomStateApi();
        app.MapUpgradeApi();
        app.MapSpacesApi();
        return app;
    }
}
