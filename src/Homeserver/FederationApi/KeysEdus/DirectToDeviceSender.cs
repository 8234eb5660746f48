using System.Text.Json.Nodes;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Keys;
using Mediator;

namespace Matrix.Homeserver.FederationApi.KeysEdus;

/// <summary>RemoteToDeviceMessagesSent → one m.direct_to_device per destination server, holding the messages for its users, with the send's message_id.</summary>
public sealed class DirectToDeviceSender(FederationOutbox outbox) : INotificationHandler<RemoteToDeviceMessagesSent>
{
    public const string EduType = "m.direct_to_device";

    public async ValueTask Handle(RemoteToDeviceMessagesSent notification, CancellationToken cancellationToken)
    {
        foreach (var byServer in notification.Messages.GroupBy(m => RoomServers.ServerOf(m.Key), StringComparer.Ordinal))
        {
            var messages = new JsonObject();
            foreach (var (userId, devices) in byServer) messages[userId] = devices.DeepClone();
            var content = new JsonObject
            {
                ["sender"] = notification.Sender,
                ["type"] = notification.EventType,
                ["message_id"] = notification.MessageId,
                ["messages"] = messages,
            };
            await outbox.EnqueueEduAsync(byServer.Key, EduType, content, cancellationToken: cancellationToken);
        }
    }
}
