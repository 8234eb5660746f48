using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Accounts.Devices;

public sealed record GetDevicesQuery(Requester Requester) : IQuery<List<DeviceInfo>>;

public sealed record GetDeviceQuery(Requester Requester, string DeviceId) : IQuery<DeviceInfo>;

public sealed record RenameDeviceCommand(Requester Requester, string DeviceId, string? DisplayName) : ICommand<Unit>;

/// <summary>DELETE /devices/{id} and POST /delete_devices: a password prompt bound to exactly these devices, then deletion.</summary>
public sealed record DeleteDevicesCommand(Requester Requester, IReadOnlyList<string> DeviceIds, UiaRequest Uia) : ICommand<Unit>;

public sealed class DeviceHandlers(DeviceService devices, UserInteractiveAuth uia)
    : IQueryHandler<GetDevicesQuery, List<DeviceInfo>>,
      IQueryHandler<GetDeviceQuery, DeviceInfo>,
      ICommandHandler<RenameDeviceCommand, Unit>,
      ICommandHandler<DeleteDevicesCommand, Unit>
{
    public async ValueTask<List<DeviceInfo>> Handle(GetDevicesQuery query, CancellationToken cancellationToken) =>
        await devices.ListAsync(query.Requester.UserId, cancellationToken);

    public async ValueTask<DeviceInfo> Handle(GetDeviceQuery query, CancellationToken cancellationToken) =>
        await devices.GetAsync(query.Requester.UserId, query.DeviceId, cancellationToken) ?? throw NoSuchDevice();

    public async ValueTask<Unit> Handle(RenameDeviceCommand command, CancellationToken cancellationToken)
    {
        // No display_name leaves the device as it is, but it must still exist.
        var found = command.DisplayName is null
            ? await devices.GetAsync(command.Requester.UserId, command.DeviceId, cancellationToken) is not null
            : await devices.RenameAsync(command.Requester.UserId, command.DeviceId, command.DisplayName, cancellationToken);
        return found ? Unit.Value : throw NoSuchDevice();
    }

    public async ValueTask<Unit> Handle(DeleteDevicesCommand command, CancellationToken cancellationToken)
    {
        var intent = string.Join('\n', command.DeviceIds.Order(StringComparer.Ordinal));
        await uia.RequireAsync(command.Uia, [new UiaFlow(UiaStageTypes.Password)], "remove devices from your account", intent, cancellationToken);
        await devices.DeleteAsync(command.Requester.UserId, command.DeviceIds, cancellationToken);
        return Unit.Value;
    }

    private static MatrixException NoSuchDevice() => MatrixException.NotFound("No device found");
}

/// <summary>Checks on device fields clients send.</summary>
internal static class DeviceFields
{
    public static string? DisplayName(string? name) => name is { Length: > SessionIssuer.MaxDeviceDisplayNameLength }
        ? throw MatrixException.TooLarge($"Device display name is too long (max {SessionIssuer.MaxDeviceDisplayNameLength})")
        : name;
}
