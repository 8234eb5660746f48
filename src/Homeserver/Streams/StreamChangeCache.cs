using System.Collections.Concurrent;

namespace Matrix.Homeserver.Streams;

/// <summary>
/// The latest position at which each key (a user, a room) changed on one stream, so that a sync can skip a
/// query whose answer would be empty (Synapse's StreamChangeCache). Writers mark a key with their position
/// before it becomes final, so a sync whose window covers the position always sees the mark; a mark whose
/// transaction then fails only costs a query. What this process did not see (written before it started, or
/// trimmed away) counts as changed.
/// </summary>
public sealed class StreamChangeCache(StreamIdGenerator streams, int capacity = StreamChangeCache.DefaultCapacity)
{
    public const int DefaultCapacity = 100_000;

    /// <summary>At most this many marks between two looks at the size: the count takes every lock of the dictionary.</summary>
    private const int MarksPerSizeCheck = 1024;

    // A small cache looks more often: it goes past its bound by less than a sixteenth.
    private readonly int _sizeCheckEvery = Math.Clamp(capacity / 16, 1, MarksPerSizeCheck);

    private readonly ConcurrentDictionary<string, long> _latest = new(StringComparer.Ordinal);
    private long _trimmedUpTo;
    private int _marks;

    public void Mark(string key, long position)
    {
        // A message into a big room marks every member: no closure per mark, and the size (which locks the whole
        // dictionary) only now and then; the bound is a memory bound, a few entries past it do no harm.
        _latest.AddOrUpdate(key, static (_, p) => p, static (_, old, p) => Math.Max(old, p), position);
        if (Interlocked.Increment(ref _marks) % _sizeCheckEvery == 0 && _latest.Count > capacity) Trim();
    }

    /// <summary>False only when the key certainly did not change after <paramref name="since"/>.</summary>
    public bool MayHaveChanged(string key, long since) =>
        !Covers(since) || (_latest.TryGetValue(key, out var position) && position > since);

    /// <summary>Whether every change after <paramref name="since"/> is marked here (else every key counts as changed).</summary>
    public bool Covers(long since) => since > Math.Max(streams.Start, Interlocked.Read(ref _trimmedUpTo));

    /// <summary>Forgets every key: everything reserved so far then counts as changed.</summary>
    private void Trim()
    {
        var last = streams.Last;
        long seen;
        do seen = Interlocked.Read(ref _trimmedUpTo);
        while (seen < last && Interlocked.CompareExchange(ref _trimmedUpTo, last, seen) != seen);
        _latest.Clear();
    }
}

/// <summary>The change caches of the sync streams that would otherwise cost a query on every sync.</summary>
public sealed class StreamChanges(StreamIdGenerator streams)
{
    /// <summary>The one key of <see cref="DeviceLists"/>.</summary>
    public const string Anywhere = "";

    /// <summary>Timeline events given a stream position, by room: a sync skips the events query of a quiet room.</summary>
    public StreamChangeCache RoomEvents { get; } = new(streams);

    /// <summary>Account data, by user.</summary>
    public StreamChangeCache AccountData { get; } = new(streams);

    /// <summary>To-device messages, by recipient user (and delivered messages still to be acknowledged).</summary>
    public StreamChangeCache ToDevice { get; } = new(streams);

    /// <summary>Receipts, by room.</summary>
    public StreamChangeCache Receipts { get; } = new(streams);

    /// <summary>A user's own receipts, by user and room (<see cref="UserInRoom"/>): how far they have read.</summary>
    public StreamChangeCache ReadReceipts { get; } = new(streams);

    /// <summary>A user's room_memberships rows (membership events, forgetting, purges), by user.</summary>
    public StreamChangeCache Memberships { get; } = new(streams);

    /// <summary>Notifications (push actions) written, by user.</summary>
    public StreamChangeCache Notifications { get; } = new(streams);

    /// <summary>Notifications written, by user and room (<see cref="UserInRoom"/>): which rooms' counts moved.</summary>
    public StreamChangeCache NotificationRooms { get; } = new(streams);

    /// <summary>The key of a user in a room (a newline is in neither ID).</summary>
    public static string UserInRoom(string userId, string roomId) => userId + "\n" + roomId;

    /// <summary>Device-list deltas: any key change or membership change, under <see cref="Anywhere"/>.</summary>
    public StreamChangeCache DeviceLists { get; } = new(streams);
}
