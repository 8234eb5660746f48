using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationApi.KeysEndpoints;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.KeysEdus;

/// <summary>
/// DeviceListChanged → m.device_list_update to every server sharing a room with the user: one EDU per
/// device (every device when the whole list changed), each with the next stream ID of the user, the one
/// before as prev_id, and the device's keys, or deleted. Stream IDs advance even with nobody to tell, so
/// a server that starts sharing a room later sees the gap and fetches the whole list.
/// </summary>
public sealed class DeviceListUpdateSender(HomeserverDbContext db, FederationOutbox outbox, UserServerDestinations destinationsOf, KeyEduLocks locks, HomeserverOptions options)
    : INotificationHandler<DeviceListChanged>
{
    public const string EduType = "m.device_list_update";

    public async ValueTask Handle(DeviceListChanged notification, CancellationToken cancellationToken)
    {
        var userId = notification.UserId;
        if (!UserIds.IsLocal(userId, options.ServerName)) return;
        List<string> deviceIds = notification.DeviceId is { } one ? [one]
            : await db.Devices.AsNoTracking().Where(d => d.UserId == userId).Select(d => d.DeviceId).OrderBy(d => d).ToListAsync(cancellationToken);
        if (deviceIds.Count == 0) return;

        var destinations = await destinationsOf.ForUserAsync(db, userId, options.ServerName, cancellationToken);
        if (destinations.Count == 0)
        {
            // Nobody to tell (no other server shares a room with the user): only the stream IDs move on.
            using (await locks.AcquireAsync(userId, cancellationToken)) await DeviceListStreams.AdvanceAsync(db, userId, deviceIds.Count, cancellationToken);
            return;
        }

        var existing = (await db.Devices.AsNoTracking().Where(d => d.UserId == userId && deviceIds.Contains(d.DeviceId)).Select(d => d.DeviceId)
            .ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var keys = (await FederationKeyView.DeviceKeysAsync(db, new Dictionary<string, IReadOnlyList<string>> { [userId] = deviceIds },
            options.FederationKeys.AllowDeviceNameLookup, cancellationToken))[userId];

        using (await locks.AcquireAsync(userId, cancellationToken))
        {
            var previous = await DeviceListStreams.AdvanceAsync(db, userId, deviceIds.Count, cancellationToken);
            foreach (var deviceId in deviceIds)
            {
                var streamId = previous + 1;
                var content = new JsonObject
                {
                    ["user_id"] = userId,
                    ["device_id"] = deviceId,
                    ["stream_id"] = streamId,
                    ["prev_id"] = previous == 0 ? new JsonArray() : new JsonArray(previous),
                };
                if (notification.Deleted || !existing.Contains(deviceId)) content["deleted"] = true;
                else if (keys[deviceId] is JsonObject deviceKeys)
                {
                    var (signed, name) = FederationKeyView.SplitDisplayName(deviceKeys);
                    content["keys"] = signed;
                    if (name is not null) content["device_display_name"] = name;
                }

                foreach (var destination in destinations) await outbox.EnqueueEduAsync(destination, EduType, (JsonObject)content.DeepClone(), cancellationToken: cancellationToken);
                previous = streamId;
            }
        }
    }
}
