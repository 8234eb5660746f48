using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.ToDevice;

internal sealed class ToDeviceStreamSource : IStreamSource
{
    public StreamColumn Positions { get; } = new(typeof(ToDeviceMessage), nameof(ToDeviceMessage.StreamPosition));
}
