using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Receipts;

/// <summary>
/// How far a user has read in each room, from their receipts, for the push feature's unread counts:
/// the stream ordering of the event of the newer of m.read and m.read.private, unthreaded receipts
/// apart from threaded ones ("main" or a thread root). One query for all the rooms.
/// </summary>
internal sealed class ReceiptReadPositions : IReadReceiptPositions
{
    private sealed record ReadRow(string RoomId, string ThreadId, long Stream);

    // Compiled once: every sync with news asks it for the rooms of its answer.
    private static readonly Func<HomeserverDbContext, string, List<string>, IAsyncEnumerable<ReadRow>> Reads =
        EF.CompileAsyncQuery((HomeserverDbContext db, string userId, List<string> rooms) =>
            db.Set<Receipt>().AsNoTracking()
                .Where(r => r.UserId == userId && rooms.Contains(r.RoomId) && (r.ReceiptType == ReceiptTypes.Read || r.ReceiptType == ReceiptTypes.ReadPrivate))
                .Join(db.Events, r => r.EventId, e => e.EventId, (r, e) => new ReadRow(r.RoomId, r.ThreadId, e.StreamOrdering ?? 0)));

    public async Task<IReadOnlyDictionary<string, ReadPosition>> GetAsync(HomeserverDbContext db, string userId, IReadOnlyCollection<string> roomIds,
        CancellationToken cancellationToken)
    {
        var reads = await Reads(db, userId, [.. roomIds]).ToListAsync(cancellationToken);
        return reads.GroupBy(r => r.RoomId, StringComparer.Ordinal).ToDictionary(room => room.Key, room => new ReadPosition(
            room.Where(r => r.ThreadId == Receipt.Unthreaded).Select(r => r.Stream).DefaultIfEmpty(0).Max(),
            room.Where(r => r.ThreadId != Receipt.Unthreaded).GroupBy(r => r.ThreadId, StringComparer.Ordinal)
                .ToDictionary(thread => thread.Key, thread => thread.Max(r => r.Stream), StringComparer.Ordinal)), StringComparer.Ordinal);
    }
}
