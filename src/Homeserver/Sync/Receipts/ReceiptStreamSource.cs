using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Sync.Receipts;

/// <summary>Receipts hold stream positions: the generator resumes after the highest.</summary>
internal sealed class ReceiptStreamSource : IStreamSource
{
    public StreamColumn Positions { get; } = new(typeof(Receipt), nameof(Receipt.StreamPosition));
}
