using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.RemoteRooms;

namespace Matrix.Homeserver.FederationApi.Membership;

public static class FederationMembershipServices
{
    /// <summary>Membership over federation both ways: the inbound endpoints' services and, before the rooms feature, the outbound <see cref="RemoteRooms"/>.</summary>
    public static IServiceCollection AddFederationMembership(this IServiceCollection services, HomeserverOptions options)
    {
        services.AddSingleton<StrippedRoomState>();
        services.AddSingleton<RestrictedRemoteJoins>();
        services.AddRemoteRooms(options);
        return services;
    }
}
