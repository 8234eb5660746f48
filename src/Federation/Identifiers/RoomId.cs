using System.Diagnostics.CodeAnalysis;

namespace Matrix.Federation.Identifiers;

/// <summary>
/// A room ID: <c>!opaque:server</c> before v12, or (v12, MSC4291) <c>!</c> followed by the create
/// event's reference hash in URL-safe base64, with no server.
/// </summary>
public sealed record RoomId
{
    private RoomId(string value, string opaque, ServerName? server)
    {
        Value = value;
        Opaque = opaque;
        Server = server;
    }

    public string Value { get; }

    /// <summary>The localpart, or the hash for the v12 form.</summary>
    public string Opaque { get; }

    /// <summary>The server that created the room; null for the v12 hash form.</summary>
    public ServerName? Server { get; }

    public bool IsHashForm => Server is null;

    /// <summary>The event ID of the create event, for the v12 hash form.</summary>
    public string? CreateEventId => IsHashForm ? CreateEventIdOf(Value) : null;

    public override string ToString() => Value;

    /// <summary>The v12 room ID of a create event: its event ID with '!' for '$'.</summary>
    public static string FromCreateEventId(string createEventId) => "!" + createEventId[1..];

    /// <summary>The create event ID a v12 room ID stands for: '$' for '!'.</summary>
    public static string CreateEventIdOf(string roomId) => "$" + roomId[1..];

    public static RoomId Parse(string? value) =>
        TryParse(value, out var id, out var error) ? id : throw new IdentifierFormatException(error, "room ID");

    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out RoomId? id, out IdentifierError error)
    {
        id = null;
        error = SigiledId.CheckFrame(value, '!');
        if (error != IdentifierError.None) return false;

        if (!value!.Contains(':', StringComparison.Ordinal))
        {
            error = SigiledId.IsHash(value.AsSpan(1), urlSafe: true) ? IdentifierError.None : IdentifierError.InvalidHash;
            if (error != IdentifierError.None) return false;
            id = new RoomId(value, value[1..], null);
            return true;
        }

        error = SigiledId.SplitDomain(value, out var localpart, out var server);
        if (error == IdentifierError.None) error = SigiledId.CheckOpaqueLocalpart(localpart, allowEmpty: false);
        if (error != IdentifierError.None) return false;
        id = new RoomId(value, localpart, server);
        return true;
    }

    public static bool IsValid(string? value) => TryParse(value, out _, out _);
}
