using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.AccountData;

/// <summary>One account data event as sync shows it.</summary>
public sealed record AccountDataEvent(string Type, JsonObject Content)
{
    public JsonObject ToJson() => new() { ["type"] = Type, ["content"] = Content.DeepClone() };
}

/// <summary>What changed in a user's account data between two stream positions.</summary>
public sealed record AccountDataChanges(IReadOnlyList<AccountDataEvent> Global, IReadOnlyDictionary<string, IReadOnlyList<AccountDataEvent>> Rooms);

/// <summary>
/// A user's account data, global and per room. Every write takes a stream position and wakes the
/// user's /sync; sync reads the changes between two positions with <see cref="GetChangesAsync"/>.
/// Other features write server-managed types (m.fully_read, m.push_rules) through <see cref="SetAsync"/>.
/// </summary>
public sealed class AccountDataService(HomeserverDbContext db, StreamIdGenerator streams, StreamChanges changes, SyncNotifier notifier, AccountDataLocks locks,
    IgnoredUsers ignoredUsers)
{
    private const int MaxAttempts = 5;

    /// <summary>The content stored for the type, or null when unset. <paramref name="roomId"/> null means global.</summary>
    public async Task<JsonObject?> GetAsync(string userId, string? roomId, string type, CancellationToken cancellationToken)
    {
        var room = roomId ?? AccountDataEntry.Global;
        var content = await db.AccountData.AsNoTracking().Where(a => a.UserId == userId && a.RoomId == room && a.Type == type)
            .Select(a => a.Content).FirstOrDefaultAsync(cancellationToken);
        return content is null ? null : JsonNode.Parse(content)!.AsObject();
    }

    /// <summary>Every event stored for the user, globally (<paramref name="roomId"/> null) or in one room, oldest first.</summary>
    public async Task<List<AccountDataEvent>> GetAllAsync(string userId, string? roomId, CancellationToken cancellationToken)
    {
        var room = roomId ?? AccountDataEntry.Global;
        var rows = await db.AccountData.AsNoTracking().Where(a => a.UserId == userId && a.RoomId == room).OrderBy(a => a.StreamPosition)
            .Select(a => new { a.Type, a.Content }).ToListAsync(cancellationToken);
        return rows.ConvertAll(r => new AccountDataEvent(r.Type, JsonNode.Parse(r.Content)!.AsObject()));
    }

    public Task SetAsync(string userId, string? roomId, string type, JsonObject content, CancellationToken cancellationToken) =>
        UpdateAsync(userId, roomId, type, _ => content, cancellationToken);

    /// <summary>
    /// Replaces the content with <paramref name="change"/>(current content or null). Writes for one user
    /// are serialized, and retried should the row still move underneath (the stream position is a
    /// concurrency token), so read-modify-write updates (tags) never lose one another.
    /// </summary>
    public async Task UpdateAsync(string userId, string? roomId, string type, Func<JsonObject?, JsonObject> change, CancellationToken cancellationToken)
    {
        var room = roomId ?? AccountDataEntry.Global;
        using var held = await locks.AcquireAsync(userId, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            using var position = streams.Next();
            changes.AccountData.Mark(userId, position.Position);
            var row = await db.AccountData.FirstOrDefaultAsync(a => a.UserId == userId && a.RoomId == room && a.Type == type, cancellationToken);
            var content = change(row is null ? null : JsonNode.Parse(row.Content)!.AsObject()).ToJsonString();
            if (row is null)
            {
                row = new AccountDataEntry { UserId = userId, RoomId = room, Type = type, Content = content, StreamPosition = position.Position };
                db.AccountData.Add(row);
            }
            else
            {
                row.Content = content;
                row.StreamPosition = position.Position;
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                break;
            }
            catch (DbUpdateException) when (attempt < MaxAttempts)
            {
                db.Entry(row).State = EntityState.Detached;
            }
        }

        if (roomId is null && type == IgnoredUsers.EventType) ignoredUsers.Forget(userId);
        notifier.NotifyUser(userId);
    }

    /// <summary>The account data written after <paramref name="since"/> up to and including <paramref name="upTo"/> (0 for everything).</summary>
    public async Task<AccountDataChanges> GetChangesAsync(string userId, long since, long upTo, CancellationToken cancellationToken)
    {
        var rows = await db.AccountData.AsNoTracking()
            .Where(a => a.UserId == userId && a.StreamPosition > since && a.StreamPosition <= upTo)
            .OrderBy(a => a.StreamPosition)
            .ToListAsync(cancellationToken);
        var global = new List<AccountDataEvent>();
        var rooms = new Dictionary<string, List<AccountDataEvent>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var ev = new AccountDataEvent(row.Type, JsonNode.Parse(row.Content)!.AsObject());
            if (row.RoomId == AccountDataEntry.Global)
            {
                global.Add(ev);
            }
            else
            {
                if (!rooms.TryGetValue(row.RoomId, out var list)) rooms[row.RoomId] = list = [];
                list.Add(ev);
            }
        }

        return new AccountDataChanges(global, rooms.ToDictionary(r => r.Key, r => (IReadOnlyList<AccountDataEvent>)r.Value, StringComparer.Ordinal));
    }
}

/// <summary>The account data table's highest stream position, for the stream allocator at start-up.</summary>
public sealed class AccountDataStreamSource : IStreamSource
{
    public StreamColumn Positions { get; } = new(typeof(AccountDataEntry), nameof(AccountDataEntry.StreamPosition));
}
