using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationApi.Edus;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.ToDevice;

namespace Matrix.Homeserver.FederationApi.KeysEdus;

/// <summary>
/// Inbound m.direct_to_device: messages from a user of the sending server, delivered to our users' devices
/// ("*" = every device). Delivered once per message_id: the ID is recorded with the messages, in the
/// to-device transaction table under the remote sender (who has no local devices or transactions of its
/// own), so a resent transaction stores nothing twice. Recipients of other servers are skipped.
/// </summary>
public sealed class DirectToDeviceEduHandler(IServiceScopeFactory scopes, HomeserverOptions options, ILogger<DirectToDeviceEduHandler> logger) : IEduHandler
{
    /// <summary>The "device" under which received message IDs are recorded.</summary>
    public const string ReceivedMarker = "m.direct_to_device";

    public string Type => DirectToDeviceSender.EduType;

    public async Task HandleAsync(string origin, JsonObject content, CancellationToken cancellationToken)
    {
        var sender = KeyJson.StringValue(content["sender"]);
        var type = KeyJson.StringValue(content["type"]);
        var messageId = KeyJson.StringValue(content["message_id"]);
        if (sender is null || type is null || messageId is null || content["messages"] is not JsonObject messages)
        {
            logger.LogInformation("Ignored a malformed {EduType} from {Origin}", Type, origin);
            return;
        }

        if (!UserIds.TryParse(sender, out _, out var senderServer) || senderServer != origin)
        {
            logger.LogWarning("Ignored a {EduType} from {Origin} sent in the name of {Sender}, a user of another server", Type, origin, sender);
            return;
        }

        var local = new JsonObject();
        foreach (var (userId, devices) in messages)
        {
            if (!UserIds.IsLocal(userId, options.ServerName) || devices is not JsonObject byDevice) continue;
            var wellFormed = new JsonObject();
            foreach (var (deviceId, message) in byDevice)
            {
                if (message is JsonObject) wellFormed[deviceId] = message.DeepClone();
            }

            if (wellFormed.Count > 0) local[userId] = wellFormed;
        }

        await using var scope = scopes.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<ToDeviceService>();
        await service.DeliverLocalAsync(sender, type, local, new ToDeviceTxn(sender, ReceivedMarker, messageId), cancellationToken);
    }
}
