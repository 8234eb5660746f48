using System.Globalization;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Sync;

/// <summary>
/// A /sync position: "s&lt;position&gt;_&lt;ephemeral serial&gt;". The first part is the
/// <see cref="Streams.StreamIdGenerator"/> position of every persisted stream (room events, receipts,
/// account data...), so it is also a valid <see cref="Events.Pagination.RoomStreamToken"/>; the second
/// is the in-memory <see cref="EphemeralSerial"/> of typing and presence.
/// </summary>
public readonly record struct SyncToken(long Position, long Serial)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"s{Position}_{Serial}");

    public static bool TryParse(string? text, out SyncToken token)
    {
        token = default;
        if (text is not { Length: > 3 } || text[0] != 's') return false;
        var separator = text.IndexOf('_', StringComparison.Ordinal);
        if (separator < 2) return false;
        if (!long.TryParse(text.AsSpan(1, separator - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var position)) return false;
        if (!long.TryParse(text.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var serial)) return false;
        token = new SyncToken(position, serial);
        return true;
    }

    /// <summary>Parses the since parameter; a token this server could not have issued is a client error.</summary>
    public static SyncToken Parse(string text) =>
        TryParse(text, out var token) ? token : throw MatrixException.InvalidParam("Invalid since token");
}
