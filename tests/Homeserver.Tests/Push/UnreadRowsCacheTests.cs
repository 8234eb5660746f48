using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Tests.Push;

/// <summary>
/// A user's cached unread rows in a room are reused only while they are complete: a notification writer extends them
/// with its own rows when it wrote alone, and anything else it marks (a failed or overlapping write, a racing read) drops them.
/// </summary>
public sealed class UnreadRowsCacheTests
{
    private const string Alice = "@alice:x";
    private const string Room = "!room:x";
    private static readonly string Key = StreamChanges.UserInRoom(Alice, Room);

    [Fact]
    public void A_lone_writer_extends_the_rows_it_took()
    {
        var (streams, changes, cache) = AfterAWrite();
        using var owned = cache;
        cache.Set(Alice, Room, 0, [new UnreadRow(1, "main", false)], cache.Position);

        var write = cache.BeginWrite([Key]);
        var written = Mark(streams, changes);
        cache.CompleteWrite(write, [new UnreadRow(written, "main", true)], written);

        Assert.True(cache.TryGet(Alice, Room, 0, out var rows));
        Assert.Equal([new UnreadRow(1, "main", false), new UnreadRow(written, "main", true)], rows.ToArray());
        // Rows kept after a read position serve any later one, not an earlier one.
        Assert.True(cache.TryGet(Alice, Room, 5, out _));
        cache.Set(Alice, Room, 3, [], cache.Position);
        Assert.False(cache.TryGet(Alice, Room, 2, out _));
    }

    [Fact]
    public void Overlapping_writers_leave_the_rows_to_be_read_again()
    {
        var (streams, changes, cache) = AfterAWrite();
        using var owned = cache;
        cache.Set(Alice, Room, 0, [], cache.Position);

        var first = cache.BeginWrite([Key]);
        var second = cache.BeginWrite([Key]);
        var firstAt = Mark(streams, changes);
        var secondAt = Mark(streams, changes);
        cache.CompleteWrite(second, [new UnreadRow(secondAt, "main", false)], secondAt);
        cache.CompleteWrite(first, [new UnreadRow(firstAt, "main", false)], firstAt);
        Assert.False(cache.TryGet(Alice, Room, 0, out _));

        // Once both are done a lone writer extends again.
        cache.Set(Alice, Room, 0, [new UnreadRow(firstAt, "main", false), new UnreadRow(secondAt, "main", false)], cache.Position);
        var third = cache.BeginWrite([Key]);
        var thirdAt = Mark(streams, changes);
        cache.CompleteWrite(third, [new UnreadRow(thirdAt, "main", false)], thirdAt);
        Assert.True(cache.TryGet(Alice, Room, 0, out var rows));
        Assert.Equal(3, rows.Length);
    }

    [Fact]
    public void A_failed_write_or_a_read_during_it_drops_the_rows()
    {
        var (streams, changes, cache) = AfterAWrite();
        using var owned = cache;
        cache.Set(Alice, Room, 0, [], cache.Position);
        var failed = cache.BeginWrite([Key]);
        var at = Mark(streams, changes);
        cache.CompleteWrite(failed, null, at);
        Assert.False(cache.TryGet(Alice, Room, 0, out _));

        // A reader that replaced the entry mid-write may or may not have seen the rows: nobody extends its entry.
        cache.Set(Alice, Room, 0, [], cache.Position);
        var write = cache.BeginWrite([Key]);
        var asOf = cache.Position;
        var writtenAt = Mark(streams, changes);
        cache.Set(Alice, Room, 0, [], asOf);
        cache.CompleteWrite(write, [new UnreadRow(writtenAt, "main", false)], writtenAt);
        Assert.False(cache.TryGet(Alice, Room, 0, out _));
    }

    [Fact]
    public void Too_many_rows_are_not_kept()
    {
        var (streams, changes, cache) = AfterAWrite();
        using var owned = cache;
        var full = Enumerable.Range(1, UnreadRowsCache.MaxRows).Select(i => new UnreadRow(i, "main", false)).ToList();
        cache.Set(Alice, Room, 0, [.. full, new UnreadRow(UnreadRowsCache.MaxRows + 1, "main", false)], cache.Position);
        Assert.False(cache.TryGet(Alice, Room, 0, out _));
        // That many stay too many until the read position moves: counts are then queried without reading rows first.
        Assert.True(cache.IsOverflowing(Alice, Room, 0));
        Assert.False(cache.IsOverflowing(Alice, Room, 50));
        Assert.False(cache.TryGetTotals(Alice, Room, 0, out _));

        cache.Set(Alice, Room, 0, full, cache.Position);
        Assert.True(cache.TryGet(Alice, Room, 0, out _));
        var write = cache.BeginWrite([Key]);
        var at = Mark(streams, changes);
        cache.CompleteWrite(write, [new UnreadRow(1000, "main", false)], at);
        Assert.False(cache.TryGet(Alice, Room, 0, out _));
        Assert.True(cache.IsOverflowing(Alice, Room, 0));

        // The rows it had become their sums per thread, which later writers add to.
        Assert.True(cache.TryGetTotals(Alice, Room, 0, out var totals));
        Assert.Equal(new ThreadTotal(UnreadRowsCache.MaxRows + 1, 0, 1000), Assert.Single(totals).Value);
        var more = cache.BeginWrite([Key, Key]);
        var moreAt = Mark(streams, changes);
        cache.CompleteWrite(more, [new UnreadRow(1001, "main", true), new UnreadRow(1002, "$thread", false)], moreAt);
        Assert.True(cache.TryGetTotals(Alice, Room, 0, out totals));
        Assert.Equal(new ThreadTotal(UnreadRowsCache.MaxRows + 2, 1, 1001), totals["main"]);
        Assert.Equal(new ThreadTotal(1, 0, 1002), totals["$thread"]);
        Assert.False(cache.TryGetTotals(Alice, Room, 1, out _));
        var one = cache.BeginWrite([Key]);
        var oneAt = Mark(streams, changes);
        cache.CompleteWrite(one, [new UnreadRow(1004, "$thread", true)], oneAt);
        Assert.True(cache.TryGetTotals(Alice, Room, 0, out totals));
        Assert.Equal(new ThreadTotal(2, 1, 1004), totals["$thread"]);

        // Overlapping writers leave the sums to be read again; the room stays known to overflow.
        var first = cache.BeginWrite([Key]);
        var second = cache.BeginWrite([Key]);
        var lastAt = Mark(streams, changes);
        cache.CompleteWrite(first, [new UnreadRow(1003, "main", false)], lastAt);
        cache.CompleteWrite(second, [new UnreadRow(1003, "main", false)], lastAt);
        Assert.False(cache.TryGetTotals(Alice, Room, 0, out _));
        Assert.True(cache.IsOverflowing(Alice, Room, 0));
    }

    [Fact]
    public void A_batch_of_several_events_extends_each_member_with_its_own_rows_in_order()
    {
        var (streams, changes, cache) = AfterAWrite();
        using var owned = cache;
        const string bob = "@bob:x";
        var bobKey = StreamChanges.UserInRoom(bob, Room);
        cache.Set(Alice, Room, 0, [], cache.Position);
        cache.Set(bob, Room, 0, [new UnreadRow(1, "main", false)], cache.Position);

        // Two events, each with a row for both members: rows in event order, keys repeating.
        var write = cache.BeginWrite([Key, bobKey, Key, bobKey]);
        var at = Mark(streams, changes);
        changes.NotificationRooms.Mark(bobKey, at);
        cache.CompleteWrite(write, [new UnreadRow(10, "main", false), new UnreadRow(10, "main", true), new UnreadRow(11, "$t", false), new UnreadRow(11, "$t", true)], at);

        Assert.True(cache.TryGet(Alice, Room, 0, out var alice));
        Assert.Equal([new UnreadRow(10, "main", false), new UnreadRow(11, "$t", false)], alice.ToArray());
        Assert.True(cache.TryGet(bob, Room, 0, out var bobs));
        Assert.Equal([new UnreadRow(1, "main", false), new UnreadRow(10, "main", true), new UnreadRow(11, "$t", true)], bobs.ToArray());
    }

    /// <summary>What the notification writer does for one row: a position, marked before its rows commit.</summary>
    private static long Mark(StreamIdGenerator streams, StreamChanges changes)
    {
        using var position = streams.Next();
        changes.NotificationRooms.Mark(Key, position.Position);
        return position.Position;
    }

    /// <summary>A cache whose process has seen one write (of another key), so positions after it are covered.</summary>
    private static (StreamIdGenerator Streams, StreamChanges Changes, UnreadRowsCache Cache) AfterAWrite()
    {
        var streams = new StreamIdGenerator();
        streams.Initialize(0);
        var changes = new StreamChanges(streams);
        using (var position = streams.Next()) changes.NotificationRooms.Mark("@other:x", position.Position);
        return (streams, changes, new UnreadRowsCache(streams, changes));
    }
}
