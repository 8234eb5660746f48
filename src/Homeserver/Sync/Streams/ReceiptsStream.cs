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
        // Rooms the client already knows matter only if a receipt was written in them since its token. A loop that makes
        // no collection when there is nothing to read: every woken long-poll of a room's members comes here.
        List<string>? fresh = null;
        HashSet<string>? known = null;
        foreach (var roomId in context.JoinedRooms)
        {
            if (context.IsFresh(roomId)) (fresh ??= []).Add(roomId);
            else if (changes.Receipts.MayHaveChanged(roomId, context.Since!.Value.Position)) (known ??= new HashSet<string>(StringComparer.Ordinal)).Add(roomId);
        }

        if (fresh is null && known is null) return;
        var receipts = await ReceiptReader.ReadAsync(context.Db, context.UserId, fresh ?? [], known ?? [], context.Since?.Position, context.UpTo.Position, cancellationToken);
        foreach (var (roomId, receipt) in receipts)
        {
            if (filter.IncludesRoom(roomId)) response.JoinedRoom(roomId).Ephemeral.Add(receipt);
        }
    }
}
