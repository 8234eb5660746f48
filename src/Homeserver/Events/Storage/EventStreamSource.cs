using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Events.Storage;

/// <summary>Room events hold stream positions (backfilled events negative ones).</summary>
internal sealed class EventStreamSource : IStreamSource
{
    public StreamColumn Positions { get; } = new(typeof(Event), nameof(Event.StreamOrdering));
}
