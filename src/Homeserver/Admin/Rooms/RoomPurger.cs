using System.Reflection;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Rooms;

/// <summary>
/// Deletes everything this server stores about a room, in one transaction: the rows keyed by event or
/// state group (DAG edges, state group entries, client transaction IDs), then every table with a
/// room_id column, found in the EF model so a table added later is purged too. Then the event cache
/// forgets the room.
/// </summary>
public sealed class RoomPurger(IDbContextFactory<HomeserverDbContext> dbFactory, EventStore events, RoomHeads heads, StreamIdGenerator streams, StreamChanges changes,
    Events.Search.SearchIndexer searchIndexer)
{
    /// <summary>
    /// Kept on purpose: the block (the room must stay refused after its rows are gone) and content
    /// reports (the admins' evidence about what was in the room).
    /// </summary>
    private static readonly HashSet<Type> Kept = [typeof(BlockedRoom), typeof(ContentReport)];

    private static readonly MethodInfo DeleteByRoomMethod =
        typeof(RoomPurger).GetMethod(nameof(DeleteByRoomAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    public async Task PurgeAsync(string roomId, CancellationToken cancellationToken)
    {
        // The room's search text still queued (PostgreSQL) is written first, so that the purge takes it too.
        await searchIndexer.FlushAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var roomEvents = db.Events.Where(e => e.RoomId == roomId);
        var eventIds = await roomEvents.Select(e => e.EventId).ToListAsync(cancellationToken);
        var members = await db.RoomMemberships.Where(m => m.RoomId == roomId).Select(m => m.UserId).ToListAsync(cancellationToken);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.EventEdges.Where(x => roomEvents.Select(e => e.Nid).Contains(x.EventNid)).ExecuteDeleteAsync(cancellationToken);
            await db.EventAuthEdges.Where(x => roomEvents.Select(e => e.Nid).Contains(x.EventNid)).ExecuteDeleteAsync(cancellationToken);
            await db.EventTransactions.Where(t => roomEvents.Select(e => e.EventId).Contains(t.EventId)).ExecuteDeleteAsync(cancellationToken);
            var groups = db.StateGroups.Where(g => g.RoomId == roomId).Select(g => g.Id);
            await db.StateGroupEntries.Where(x => groups.Contains(x.StateGroupId)).ExecuteDeleteAsync(cancellationToken);

            foreach (var entity in db.Model.GetEntityTypes())
            {
                if (entity.FindProperty(nameof(Event.RoomId)) is null || Kept.Contains(entity.ClrType)) continue;
                await (Task<int>)DeleteByRoomMethod.MakeGenericMethod(entity.ClrType).Invoke(null, [db, roomId, cancellationToken])!;
            }

            await transaction.CommitAsync(cancellationToken);
        }

        // Marked at a position taken after the commit (not held through a long purge, which would hold back
        // every sync): a sync's cache of these users' memberships read the deleted rows before it.
        using (var position = streams.Next())
        {
            foreach (var userId in members) changes.Memberships.Mark(userId, position.Position);
        }

        events.ForgetRoom(roomId, eventIds);
        heads.Forget(roomId);
    }

    private static Task<int> DeleteByRoomAsync<T>(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) where T : class =>
        db.Set<T>().Where(row => EF.Property<string>(row, nameof(Event.RoomId)) == roomId).ExecuteDeleteAsync(cancellationToken);
}
