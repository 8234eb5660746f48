using System.Text.Json.Nodes;
using Matrix.Homeserver.FederationApi.Edus;
using Matrix.Homeserver.FederationApi.KeysEdus;

namespace Matrix.Homeserver.FederationApi.KeysDeviceLists;

/// <summary>Inbound m.device_list_update: only about users of the sending server; applied to the device-list cache.</summary>
public sealed class DeviceListUpdateEduHandler(RemoteDeviceLists lists, ILogger<DeviceListUpdateEduHandler> logger) : IEduHandler
{
    public string Type => DeviceListUpdateSender.EduType;

    public async Task HandleAsync(string origin, JsonObject content, CancellationToken cancellationToken)
    {
        if (DeviceListUpdate.Parse(content) is not { } update)
        {
            logger.LogInformation("Ignored a malformed {EduType} from {Origin}", Type, origin);
            return;
        }

        if (RoomServers.ServerOf(update.UserId) != origin)
        {
            logger.LogWarning("Ignored a {EduType} from {Origin} about {UserId}, a user of another server", Type, origin, update.UserId);
            return;
        }

        await lists.ApplyAsync(update, cancellationToken);
    }
}
