using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Receipts;

/// <summary>
/// How far a user has read in each room, from their receipts, for the push feature's unread counts:
/// the stream ordering of the event of the newer of m.read and m.read.private, unthreaded receipts
/// apart from threaded ones ("main" or a thread root). One query for all the rooms not already known:
/// each user's position per room is kept until their own receipts there change (every sync with news asks
/// for it, and receipts move far less often than messages arrive).
/// </summary>
internal sealed class ReceiptReadPositions(StreamIdGenerator streams, StreamChanges changes) : IReadReceiptPositions
{
    private readonly StreamValidatedCache<ReadPosition> _known = new(streams, changes.ReadReceipts);

    private sealed record ReadRow(string RoomId, string ThreadId, long Stream);

    // Compiled once: every sync with news asks it for the rooms of its answer.
    private static readonly Func<HomeserverDbContext, string, List<string>, IAsyncEnumerable<ReadRow>> Reads =
        EF.CompileAsyncQuery((HomeserverDbContext db, string userId, List<string> rooms) =>
            db.Set<Receipt>().AsNoTracking()
                .Where(r => r.UserId == userId && rooms.Contains(r.RoomId) && (r.ReceiptType == ReceiptTypes.Read || r.ReceiptType == ReceiptTypes.ReadPrivate))
                .Join(db.Events, r => r.EventId, e => e.EventId, (r, e) => new ReadRow(r.RoomId, r.ThreadId, e.StreamOrdering ?? 0)));

    public async Task<IReadOnlyDictionary<string, ReadPosition>> GetAsync(IDbSource db, string userId, IReadOnlyCollection<string> roomIds,
        CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, ReadPosition>(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (var roomId in roomIds)
        {
            if (_known.TryGet(StreamChanges.UserInRoom(userId, roomId), out var known)) result[roomId] = known;
            else unknown.Add(roomId);
        }

        if (unknown.Count == 0) return result;
        var asOf = _known.Position;
        var reads = (await Reads(db.Db, userId, unknown).ToListAsync(cancellationToken)).ToLookup(r => r.RoomId, StringComparer.Ordinal);
        foreach (var roomId in unknown)
        {
            var room = reads[roomId];
            var position = !room.Any() ? ReadPosition.None : new ReadPosition(
                room.Where(r => r.ThreadId == Receipt.Unthreaded).Select(r => r.Stream).DefaultIfEmpty(0).Max(),
                room.Where(r => r.ThreadId != Receipt.Unthreaded).GroupBy(r => r.ThreadId, StringComparer.Ordinal)
                    .ToDictionary(thread => thread.Key, thread => thread.Max(r => r.Stream), StringComparer.Ordinal));
            _known.Set(StreamChanges.UserInRoom(userId, roomId), position, asOf);
            result[roomId] = position;
        }

        return result;
    }
}
