using System.Collections.Immutable;
using Matrix.Homeserver.Events.Storage;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// A room's newest timeline events as its local writes left them (kept in its <see cref="RoomHead"/>): every event of
/// the room after <see cref="CoveredAfter"/>, oldest first. A long-poll woken by a send reads its page here instead of
/// the database. The head is forgotten by every other writer of the room's events (remote events, purges), so while a
/// head stands, only its writes happened.
/// </summary>
public sealed class RecentTimeline
{
    /// <summary>Rows kept per room: enough for the windows of syncs woken by the last sends.</summary>
    public const int MaxRows = 16;

    private RecentTimeline(long coveredAfter, ImmutableArray<TimelineRow> rows)
    {
        CoveredAfter = coveredAfter;
        Rows = rows;
    }

    public long CoveredAfter { get; }

    public ImmutableArray<TimelineRow> Rows { get; }

    /// <summary>
    /// Only <paramref name="rows"/> (oldest first, positions above <paramref name="coveredAfter"/>), for a room whose
    /// earlier events are not known here.
    /// </summary>
    public static RecentTimeline Starting(long coveredAfter, IEnumerable<TimelineRow> rows) => Trimmed(coveredAfter, [.. rows]);

    /// <summary>These rows, then the newer <paramref name="rows"/>: the oldest beyond <see cref="MaxRows"/> are dropped.</summary>
    public RecentTimeline Append(IEnumerable<TimelineRow> rows) => Trimmed(CoveredAfter, Rows.AddRange(rows));

    /// <summary>
    /// The window (<paramref name="after"/>, <paramref name="upTo"/>], newest first, at most <paramref name="count"/>
    /// rows, when every event of the room in it is known here. The caller fixed <paramref name="upTo"/> (a released
    /// stream position) before it read the head that holds this timeline.
    /// </summary>
    public bool TryWindow(long after, long upTo, int count, out List<TimelineRow> newestFirst)
    {
        newestFirst = [];
        if (after < CoveredAfter) return false;
        for (var i = Rows.Length - 1; i >= 0 && newestFirst.Count < count; i--)
        {
            var row = Rows[i];
            if (row.Stream <= after) break;
            if (row.Stream <= upTo) newestFirst.Add(row);
        }

        return true;
    }

    private static RecentTimeline Trimmed(long coveredAfter, ImmutableArray<TimelineRow> rows)
    {
        if (rows.Length <= MaxRows) return new RecentTimeline(coveredAfter, rows);
        var dropped = rows.Length - MaxRows;
        return new RecentTimeline(rows[dropped - 1].Stream, rows.RemoveRange(0, dropped));
    }
}
