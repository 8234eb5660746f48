using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Keys.DeviceLists;

internal sealed class DeviceListStreamSource : IStreamSource
{
    public StreamColumn Positions { get; } = new(typeof(DeviceListChange), nameof(DeviceListChange.StreamPosition));
}
