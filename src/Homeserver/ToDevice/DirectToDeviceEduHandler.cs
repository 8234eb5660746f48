using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationApi.Edus;
using Matrix.Homeserver.Keys;

namespace Matrix.Homeserver.ToDevice;

/// <summary>
/// m.direct_to_device from another server: {sender, type, message_id, messages}. The sender must be a
/// user of the origin; only this server's users are delivered to; a message_id seen before from the
/// same sender (a retried transaction) stores nothing again.
/// </summary>
public sealed class DirectToDeviceEduHandler(IServiceScopeFactory scopes, HomeserverOptions options, ILogger<DirectToDeviceEduHandler> logger) : IEduHandler
{
    /// <summary>Remote message IDs are remembered under this device ID of the sender (no local device has an empty ID).</summary>
    private const string RemoteDevice = "";

    public string Type => "m.direct_to_device";

    public async Task HandleAsync(string origin, JsonObject content, CancellationToken cancellationToken)
    {
        var sender = KeyJson.StringValue(content["sender"]);
        var type = KeyJson.StringValue(content["type"]);
        var messageId = KeyJson.StringValue(content["message_id"]);
        if (sender is null || type is null || messageId is null || content["messages"] is not JsonObject messages
            || !UserIds.TryParse(sender, out _, out var senderServer) || senderServer != origin)
        {
            logger.LogInformation("Dropped a malformed or misattributed m.direct_to_device EDU from {Origin}", origin);
            return;
        }

        var local = new JsonObject();
        foreach (var (userId, devices) in messages)
        {
            if (UserIds.IsLocal(userId, options.ServerName) && devices is JsonObject byDevice && byDevice.All(d => d.Value is JsonObject)) local[userId] = byDevice.DeepClone();
        }

        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ToDeviceService>()
            .DeliverLocalAsync(sender, type, local, new ToDeviceTxn(sender, RemoteDevice, messageId), cancellationToken);
    }
}
