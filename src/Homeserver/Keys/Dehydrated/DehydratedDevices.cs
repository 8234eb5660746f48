using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.Devices;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys.Upload;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.ToDevice;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Keys.Dehydrated;

/// <summary>PUT dehydrated_device: {device_id, device_data, initial_device_display_name?, device_keys?, one_time_keys?, fallback_keys?}.</summary>
public sealed record PutDehydratedDevice(Requester Requester, string DeviceId, JsonObject DeviceData, string? DisplayName, JsonObject Keys) : ICommand<JsonObject>;

public sealed record GetDehydratedDevice(Requester Requester) : IQuery<JsonObject>;

public sealed record DeleteDehydratedDevice(Requester Requester) : ICommand<JsonObject>;

/// <summary>POST dehydrated_device/{deviceId}/events: the device's to-device messages after next_batch.</summary>
public sealed record GetDehydratedDeviceEvents(Requester Requester, string DeviceId, string? NextBatch) : ICommand<JsonObject>;

/// <summary>
/// Dehydrated devices (MSC3814 v2): one per user, a device without an access token that receives
/// to-device messages while the user has no other device, rehydrated by a later login. A new one
/// replaces the old (whose device, keys and messages are deleted); its keys are uploaded like any
/// device's. Its messages are paged with next_batch, each page acknowledging the ones before it.
/// </summary>
public sealed class DehydratedDeviceHandlers(HomeserverDbContext db, DeviceService devices, IMediator mediator, TimeProvider clock)
    : ICommandHandler<PutDehydratedDevice, JsonObject>, IQueryHandler<GetDehydratedDevice, JsonObject>,
      ICommandHandler<DeleteDehydratedDevice, JsonObject>, ICommandHandler<GetDehydratedDeviceEvents, JsonObject>
{
    public const int EventsPerPage = 100;

    public async ValueTask<JsonObject> Handle(PutDehydratedDevice command, CancellationToken cancellationToken)
    {
        var userId = command.Requester.UserId;
        var previous = await db.DehydratedDevices.FirstOrDefaultAsync(d => d.UserId == userId, cancellationToken);
        if (previous?.DeviceId != command.DeviceId && await db.Devices.AnyAsync(d => d.UserId == userId && d.DeviceId == command.DeviceId, cancellationToken))
        {
            throw MatrixException.InvalidParam("A device with this ID already exists");
        }

        if (previous is not null)
        {
            await devices.DeleteAsync(userId, [previous.DeviceId], cancellationToken);
            db.DehydratedDevices.Remove(previous);
        }

        db.Devices.Add(new Device { UserId = userId, DeviceId = command.DeviceId, DisplayName = command.DisplayName, CreatedTs = clock.GetUtcNow().ToUnixTimeMilliseconds() });
        db.DehydratedDevices.Add(new DehydratedDevice { UserId = userId, DeviceId = command.DeviceId, DeviceData = command.DeviceData.ToJsonString() });
        await db.SaveChangesAsync(cancellationToken);

        if (command.Keys.Count > 0) await mediator.Send(new UploadKeysCommand(command.Requester with { DeviceId = command.DeviceId }, command.Keys), cancellationToken);
        return new JsonObject { ["device_id"] = command.DeviceId };
    }

    public async ValueTask<JsonObject> Handle(GetDehydratedDevice query, CancellationToken cancellationToken)
    {
        var device = await FindAsync(query.Requester.UserId, cancellationToken);
        return new JsonObject { ["device_id"] = device.DeviceId, ["device_data"] = JsonNode.Parse(device.DeviceData) };
    }

    public async ValueTask<JsonObject> Handle(DeleteDehydratedDevice command, CancellationToken cancellationToken)
    {
        var device = await FindAsync(command.Requester.UserId, cancellationToken);
        await db.DehydratedDevices.Where(d => d.UserId == device.UserId).ExecuteDeleteAsync(cancellationToken);
        await devices.DeleteAsync(device.UserId, [device.DeviceId], cancellationToken);
        return new JsonObject { ["device_id"] = device.DeviceId };
    }

    public async ValueTask<JsonObject> Handle(GetDehydratedDeviceEvents command, CancellationToken cancellationToken)
    {
        var device = await FindAsync(command.Requester.UserId, cancellationToken);
        if (device.DeviceId != command.DeviceId) throw MatrixException.Forbidden("Not the user's dehydrated device");
        long after = 0;
        if (command.NextBatch is not null && !long.TryParse(command.NextBatch, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            throw MatrixException.InvalidParam("Invalid next_batch");
        }

        var (events, next) = await ToDeviceInbox.PageAsync(db, device.UserId, device.DeviceId, after, EventsPerPage, cancellationToken);
        return new JsonObject
        {
            ["events"] = new JsonArray([.. events]),
            ["next_batch"] = next.ToString(CultureInfo.InvariantCulture),
        };
    }

    private async Task<DehydratedDevice> FindAsync(string userId, CancellationToken cancellationToken) =>
        await db.DehydratedDevices.AsNoTracking().FirstOrDefaultAsync(d => d.UserId == userId, cancellationToken)
        ?? throw MatrixException.NotFound("No dehydrated device available");
}
