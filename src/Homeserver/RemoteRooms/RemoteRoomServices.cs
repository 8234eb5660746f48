using Matrix.Homeserver.Accounts.Profiles;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Rooms.Remote;

namespace Matrix.Homeserver.RemoteRooms;

public static class RemoteRoomServices
{
    /// <summary>
    /// Membership, directory, profile and space requests to other servers. Registers <see cref="IRemoteRooms"/> and
    /// <see cref="IRemoteProfileLookup"/> before the rooms and accounts features do, so it replaces the local-only answers; with federation disabled those stay.
    /// </summary>
    public static IServiceCollection AddRemoteRooms(this IServiceCollection services, HomeserverOptions options)
    {
        services.AddSingleton<RemoteServerChoice>();
        services.AddSingleton<MembershipHandshake>();
        services.AddSingleton<SendJoinAnswer>();
        services.AddSingleton<RemoteJoins>();
        services.AddSingleton<RemoteKnocks>();
        services.AddSingleton<RemoteLeaves>();
        services.AddSingleton<RemoteInvites>();
        services.AddSingleton<RemoteThirdPartyInvites>();
        services.AddSingleton<RemoteDirectory>();
        services.AddSingleton<RemoteProfiles>();
        services.AddSingleton<RemoteSpaces>();
        if (options.Federation.Enabled)
        {
            services.AddSingleton<IRemoteRooms, FederatedRooms>();
            services.AddSingleton<IRemoteProfileLookup>(sp => sp.GetRequiredService<RemoteProfiles>());
        }
        return services;
    }
}
