using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Matrix.Homeserver.Streams;
using Microsoft.Extensions.Caching.Memory;

namespace Matrix.Homeserver.Push.Notifications;

/// <summary>One notification of a user in a room, as far as the unread counts need it.</summary>
public readonly record struct UnreadRow(long Stream, string ThreadId, bool Highlight);

/// <summary>A thread's notifications after a read position, summed: how many, how many highlight, the newest's position.</summary>
public readonly record struct ThreadTotal(long Count, long Highlights, long Newest)
{
    public ThreadTotal Add(UnreadRow row) => new(Count + 1, Highlights + (row.Highlight ? 1 : 0), Math.Max(Newest, row.Stream));
}

/// <summary>
/// A user's notifications in a room after a read position, kept in memory so that a woken sync counts its unread
/// notifications without a query (a message into a big room wakes every member, and each would count). An entry is
/// valid while <see cref="StreamChanges.NotificationRooms"/> shows no notification written for the user in the room
/// after the entry's position. The notification writer keeps entries valid by appending its own rows: it takes the
/// entries before it marks (<see cref="BeginWrite"/>) and puts them back with its rows once they are committed
/// (<see cref="CompleteWrite"/>), but only when no other writer wrote to the same user and room meanwhile: then its
/// mark alone follows the entry, and the entry holds its rows. More than <see cref="MaxRows"/> rows are not kept: an
/// overflow entry (no rows) says so until the read position moves, and holds the rows' sums per thread instead when
/// known (a member who never reads a busy room: counting their rows costs more with every message).
/// </summary>
public sealed class UnreadRowsCache(StreamIdGenerator streams, StreamChanges changes) : IDisposable
{
    public const int MaxRows = 100;

    /// <summary>The rows after a read position, as of a stream position; no rows (default) when there were too many, then maybe their sums.</summary>
    internal sealed record Entry(long After, ImmutableArray<UnreadRow> Rows, long AsOf, ImmutableDictionary<string, ThreadTotal>? Totals = null)
    {
        public bool Overflow => Rows.IsDefault;

        /// <summary>Whether a writer can add its rows to this entry.</summary>
        public bool Extensible => !Overflow || Totals is not null;

        /// <summary>With one more row: a message's row for each member, with one array copy and no enumerator.</summary>
        public Entry Extend(UnreadRow row, long writtenAt)
        {
            if (Overflow) return this with { Totals = Totals!.SetItem(row.ThreadId, Totals!.GetValueOrDefault(row.ThreadId).Add(row)), AsOf = writtenAt };
            return Rows.Length < MaxRows ? this with { Rows = Rows.Add(row), AsOf = writtenAt } : Extend([row], writtenAt);
        }

        public Entry Extend(IEnumerable<UnreadRow> rows, long writtenAt)
        {
            if (Overflow) return this with { Totals = Sum(Totals!, rows), AsOf = writtenAt };
            var extended = Rows.AddRange(rows);
            return extended.Length > MaxRows
                ? new Entry(After, default, writtenAt, Sum(ImmutableDictionary.Create<string, ThreadTotal>(StringComparer.Ordinal), extended))
                : this with { Rows = extended, AsOf = writtenAt };
        }

        private static ImmutableDictionary<string, ThreadTotal> Sum(ImmutableDictionary<string, ThreadTotal> totals, IEnumerable<UnreadRow> rows)
        {
            var builder = totals.ToBuilder();
            foreach (var row in rows) builder[row.ThreadId] = builder.GetValueOrDefault(row.ThreadId).Add(row);
            return builder.ToImmutable();
        }
    }

    /// <summary>A user and room being written: by how many writers at once, and whether two ever overlapped.</summary>
    private sealed class Writing
    {
        public int Writers;
        public bool Overlapped;
    }

    /// <summary>What a writer took: the entries it may extend, by key (null when it may not), with the indexes of the key's first and last rows.</summary>
    public sealed class Write
    {
        internal Dictionary<string, (Entry? Entry, int FirstRow, int LastRow)> Taken { get; } = new(StringComparer.Ordinal);

        /// <summary>
        /// By row: the index of the next row with the same key (-1 after a key's last). Only when a key has several rows
        /// (a batch of several events); one row per key (a message's members) needs no chain.
        /// </summary>
        internal int[]? Next { get; set; }
    }

    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = 200_000 });
    private readonly Dictionary<string, Writing> _writing = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The position to pass to <see cref="Set"/>: read it before the query.</summary>
    public long Position => streams.Current;

    /// <summary>The user's notifications in the room after <paramref name="readUpTo"/> or later, when known.</summary>
    public bool TryGet(string userId, string roomId, long readUpTo, out ImmutableArray<UnreadRow> rows)
    {
        var key = StreamChanges.UserInRoom(userId, roomId);
        if (_entries.TryGetValue(key, out Entry? entry) && !entry!.Overflow && entry.After <= readUpTo && !changes.NotificationRooms.MayHaveChanged(key, entry.AsOf))
        {
            rows = entry.Rows;
            return true;
        }

        rows = default;
        return false;
    }

    /// <summary>
    /// Whether more than <see cref="MaxRows"/> notifications were found after exactly <paramref name="readUpTo"/>: new
    /// notifications only add to them, so it holds until the read position moves.
    /// </summary>
    public bool IsOverflowing(string userId, string roomId, long readUpTo) =>
        _entries.TryGetValue(StreamChanges.UserInRoom(userId, roomId), out Entry? entry) && entry!.Overflow && entry.After == readUpTo;

    /// <summary>The sums per thread of the user's notifications in the room after exactly <paramref name="readUpTo"/>, when known.</summary>
    public bool TryGetTotals(string userId, string roomId, long readUpTo, out ImmutableDictionary<string, ThreadTotal> totals)
    {
        var key = StreamChanges.UserInRoom(userId, roomId);
        if (_entries.TryGetValue(key, out Entry? entry) && entry!.Totals is { } known && entry.After == readUpTo
            && !changes.NotificationRooms.MayHaveChanged(key, entry.AsOf))
        {
            totals = known;
            return true;
        }

        totals = ImmutableDictionary<string, ThreadTotal>.Empty;
        return false;
    }

    /// <summary>Keeps the sums per thread a query read of the notifications after <paramref name="after"/>, as of <paramref name="asOf"/>.</summary>
    public void SetTotals(string userId, string roomId, long after, IEnumerable<KeyValuePair<string, ThreadTotal>> totals, long asOf)
    {
        var entry = new Entry(after, default, asOf, totals.ToImmutableDictionary(StringComparer.Ordinal));
        lock (_gate) Put(StreamChanges.UserInRoom(userId, roomId), entry);
    }

    /// <summary>
    /// Keeps what a query read: every notification after <paramref name="after"/> as of <paramref name="asOf"/>
    /// (<see cref="Position"/> before the query); more than <see cref="MaxRows"/> leave an overflow entry.
    /// </summary>
    public void Set(string userId, string roomId, long after, IReadOnlyList<UnreadRow> rows, long asOf)
    {
        var entry = rows.Count > MaxRows ? new Entry(after, default, asOf) : new Entry(after, [.. rows], asOf);
        lock (_gate) Put(StreamChanges.UserInRoom(userId, roomId), entry);
    }

    /// <summary>Before a writer marks its users and rooms: takes the entries it may extend. <paramref name="keys"/>: the key of each of its rows, in order.</summary>
    public Write BeginWrite(IReadOnlyList<string> keys)
    {
        var write = new Write();
        lock (_gate)
        {
            for (var i = 0; i < keys.Count; i++)
            {
                var key = keys[i];
                ref var seen = ref CollectionsMarshal.GetValueRefOrNullRef(write.Taken, key);
                if (!Unsafe.IsNullRef(ref seen))
                {
                    (write.Next ??= NewChain(keys.Count))[seen.LastRow] = i;
                    seen.LastRow = i;
                    continue;
                }

                if (_writing.TryGetValue(key, out var writing))
                {
                    writing.Writers++;
                    writing.Overlapped = true;
                    write.Taken[key] = (null, i, i);
                    continue;
                }

                _writing[key] = new Writing { Writers = 1 };
                var entry = _entries.TryGetValue(key, out Entry? kept) && kept!.Extensible && !changes.NotificationRooms.MayHaveChanged(key, kept.AsOf)
                    ? kept
                    : null;
                write.Taken[key] = (entry, i, i);
            }
        }

        return write;
    }

    private static int[] NewChain(int rows)
    {
        var next = new int[rows];
        Array.Fill(next, -1);
        return next;
    }

    /// <summary>
    /// After the writer's rows committed (<paramref name="rows"/>, one for each key given to <see cref="BeginWrite"/>,
    /// written at <paramref name="writtenAt"/>), or failed (null): extends the entries it took that nobody replaced,
    /// when it wrote alone.
    /// </summary>
    public void CompleteWrite(Write write, IReadOnlyList<UnreadRow>? rows, long writtenAt)
    {
        // A key's rows are gathered along the chain into one buffer, reused for every key (an entry copies what it keeps).
        var keyRows = rows is not null && write.Next is not null ? new List<UnreadRow>() : null;
        lock (_gate)
        {
            foreach (var (key, (taken, firstRow, _)) in write.Taken)
            {
                var writing = _writing[key];
                if (--writing.Writers == 0) _writing.Remove(key);
                if (rows is null || taken is null || writing.Overlapped) continue;
                if (!_entries.TryGetValue(key, out Entry? current) || !ReferenceEquals(current, taken)) continue;
                Put(key, keyRows is null ? taken.Extend(rows[firstRow], writtenAt) : taken.Extend(RowsOf(write.Next!, rows, firstRow, keyRows), writtenAt));
            }
        }
    }

    private static List<UnreadRow> RowsOf(int[] next, IReadOnlyList<UnreadRow> rows, int firstRow, List<UnreadRow> into)
    {
        into.Clear();
        for (var i = firstRow; i >= 0; i = next[i]) into.Add(rows[i]);
        return into;
    }

    private void Put(string key, Entry entry)
    {
        using var cached = _entries.CreateEntry(key);
        cached.Value = entry;
        cached.Size = 1 + (entry.Overflow ? entry.Totals?.Count ?? 0 : entry.Rows.Length);
    }

    public void Dispose() => _entries.Dispose();
}
