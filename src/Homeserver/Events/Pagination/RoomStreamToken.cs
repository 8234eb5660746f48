using System.Globalization;

namespace Matrix.Homeserver.Events.Pagination;

/// <summary>
/// A position in a room's timeline, between two events: "s&lt;n&gt;" means "after the event with stream
/// ordering n". Backwards pagination from s&lt;n&gt; returns events with ordering ≤ n, newest first;
/// forwards returns events with ordering &gt; n. Sync's prev_batch and /messages' start/end use it, so a
/// client can page back from a sync into /messages. Backfilled events have negative orderings.
/// </summary>
public readonly record struct RoomStreamToken(long Position)
{
    public override string ToString() => "s" + Position.ToString(CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out RoomStreamToken token)
    {
        token = default;
        // Sync tokens ("s12_3") are accepted too: their first part is the room stream position.
        if (text is not { Length: > 1 } || text[0] != 's') return false;
        var end = text.IndexOf('_', StringComparison.Ordinal);
        var number = end < 0 ? text.AsSpan(1) : text.AsSpan(1, end - 1);
        if (!long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var position)) return false;
        token = new RoomStreamToken(position);
        return true;
    }
}
