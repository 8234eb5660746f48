namespace Matrix.Homeserver.Storage.Entities;

// End-to-end encryption over federation: the device-list stream we publish for local users, and the
// device lists of remote users we share rooms with (Synapse's device-list cache).

/// <summary>The stream ID of a local user's latest m.device_list_update (GET /user/devices answers it).</summary>
public sealed class DeviceListOutboundStream
{
    public required string UserId { get; set; }
    public long StreamId { get; set; }
}

/// <summary>A remote user whose device list we track: the stream ID of the last update applied.</summary>
public sealed class RemoteDeviceList
{
    public required string UserId { get; set; }
    public long StreamId { get; set; }
}

/// <summary>One device of a tracked remote user: its signed device keys (null until it has some) and display name.</summary>
public sealed class RemoteDevice
{
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public string? DisplayName { get; set; }
    public string? KeysJson { get; set; }
}
