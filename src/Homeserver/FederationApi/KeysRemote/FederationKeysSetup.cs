using Matrix.Homeserver.FederationApi.Edus;
using Matrix.Homeserver.FederationApi.KeysDeviceLists;
using Matrix.Homeserver.FederationApi.KeysEdus;
using Matrix.Homeserver.FederationApi.KeysEndpoints;
using Matrix.Homeserver.Keys.Remote;

namespace Matrix.Homeserver.FederationApi.KeysRemote;

/// <summary>
/// End-to-end encryption over federation: the /user/devices and /user/keys endpoints, remote key queries
/// and claims (<see cref="IRemoteKeys"/>), the device-list cache, the key EDUs both ways, and outbound
/// m.direct_to_device (inbound ones are ToDevice's). The outbound EDUs are Mediator handlers of the Keys
/// notifications (found by the source generator).
/// </summary>
public static class FederationKeysSetup
{
    /// <summary>Call before AddKeys, so this <see cref="IRemoteKeys"/> is the one used.</summary>
    public static IServiceCollection AddFederationKeys(this IServiceCollection services)
    {
        services.AddSingleton<KeyEduLocks>();
        services.AddSingleton<UserServerDestinations>();
        services.AddSingleton<RemoteDeviceLists>();
        services.AddSingleton<IRemoteKeys, FederationRemoteKeys>();
        services.AddSingleton<IEduHandler, DeviceListUpdateEduHandler>();
        services.AddSingleton<IEduHandler, SigningKeyUpdateEduHandler>();
        return services;
    }

    public static IEndpointRouteBuilder MapFederationKeysApi(this IEndpointRouteBuilder app) => app.MapFederationUserKeysApi();
}
