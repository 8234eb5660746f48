using Matrix.Homeserver.FederationApi.Edus;
using Matrix.Homeserver.Keys.Backup;
using Matrix.Homeserver.Keys.Dehydrated;
using Matrix.Homeserver.Keys.DeviceLists;
using Matrix.Homeserver.Keys.Remote;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Sync;
using Matrix.Homeserver.ToDevice;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Matrix.Homeserver.Keys;

/// <summary>The end-to-end encryption feature: keys, cross-signing, key backup and to-device messages.</summary>
public static class KeysSetup
{
    public static IServiceCollection AddKeys(this IServiceCollection services)
    {
        services.AddSingleton<UserKeyLocks>();
        services.AddSingleton<KeyCountCache>();
        services.AddScoped<DeviceListTracker>();
        services.AddScoped<ToDeviceService>();
        services.AddSingleton<IStreamSource, DeviceListStreamSource>();
        services.AddSingleton<IStreamSource, ToDeviceStreamSource>();
        services.AddHostedService<ToDeviceTransactionsCleanup>();
        // Sync answers: to_device, then device_lists and the key counts.
        services.AddSingleton<ISyncStream, ToDeviceSyncStream>();
        services.AddSingleton<ISyncStream, DeviceListsSyncStream>();
        services.AddSingleton<ISyncStream, KeyCountsSyncStream>();
        services.AddSingleton<IEduHandler, DirectToDeviceEduHandler>();
        // The federation feature registers its client first; without it remote users are failures.
        services.TryAddSingleton<IRemoteKeys, NoRemoteKeys>();
        return services;
    }

    public static IEndpointRouteBuilder MapKeysApis(this IEndpointRouteBuilder app)
    {
        app.MapKeysApi();
        app.MapRoomKeysApi();
        app.MapToDeviceApi();
        app.MapDehydratedDeviceApi();
        return app;
    }
}
