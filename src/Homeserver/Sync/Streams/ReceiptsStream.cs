using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Sync.Filtering;
using Matrix.Homeserver.Sync.Receipts;

namespace Matrix.Homeserver.Sync.Streams;

/// <summary>m.receipt in rooms.join.*.ephemeral: the <see cref="ReceiptReader"/> events of the user's joined rooms.</summary>
internal sealed class ReceiptsStream(StreamChanges changes) : ISyncStream
{
    public async Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken)
    {
        var filter = context.Filter.Room.Ephemeral;
        if (filter.MatchesNothing() || !filter.AllowsType("m.receipt")) return;
        var fresh = context.JoinedRooms.Where(context.IsFresh).ToList();
        // Rooms the client already knows matter only if a receipt was written in them since its token.
        var known = context.JoinedRooms.Where(r => !context.IsFresh(r) && changes.Receipts.MayHaveChanged(r, context.Since!.Value.Position))
            .ToHashSet(StringComparer.Ordinal);
        if (fresh.Count == 0 && known.Count == 0) return;
        var receipts = await ReceiptReader.ReadAsync(context.Db, context.UserId, fresh, known, context.Since?.Position, context.UpTo.Position, cancellationToken);
        foreach (var (roomId, receipt) in receipts)
        {
            if (filter.IncludesRoom(roomId)) response.JoinedRoom(roomId).Ephemeral.Add(receipt);
        }
    }
}
