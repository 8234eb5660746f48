using System.Diagnostics.CodeAnalysis;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Identifiers;

/// <summary>
/// An event ID: <c>$opaque:server</c> in v1/v2, or <c>$</c> followed by the reference hash in unpadded
/// base64 (standard alphabet in v3, URL-safe from v4).
/// </summary>
public sealed record EventId
{
    private EventId(string value, ServerName? server)
    {
        Value = value;
        Server = server;
    }

    public string Value { get; }

    /// <summary>The server that made a v1/v2 event ID; null for hash IDs.</summary>
    public ServerName? Server { get; }

    public override string ToString() => Value;

    public static EventId Parse(string? value, RoomVersion? version = null) =>
        TryParse(value, out var id, out var error, version) ? id : throw new IdentifierFormatException(error, "event ID");

    /// <param name="version">When given, the ID must have that version's format; when null, any format is accepted.</param>
    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out EventId? id, out IdentifierError error, RoomVersion? version = null)
    {
        id = null;
        error = SigiledId.CheckFrame(value, '$');
        if (error != IdentifierError.None) return false;

        // Hash IDs never hold ':' (neither base64 alphabet has it), so the colon tells the formats apart.
        var hasDomain = value!.Contains(':', StringComparison.Ordinal);
        var format = version?.EventFormat;
        if (hasDomain && format is null or EventFormat.V1)
        {
            error = SigiledId.SplitDomain(value, out var opaque, out var server);
            if (error == IdentifierError.None) error = SigiledId.CheckOpaqueLocalpart(opaque, allowEmpty: false);
            if (error != IdentifierError.None) return false;
            id = new EventId(value, server);
            return true;
        }

        if (format == EventFormat.V1)
        {
            error = IdentifierError.MissingServerName;
            return false;
        }

        var hash = value.AsSpan(1);
        var valid = format switch
        {
            EventFormat.V2 => SigiledId.IsHash(hash, urlSafe: false),
            EventFormat.V3 => SigiledId.IsHash(hash, urlSafe: true),
            _ => SigiledId.IsHash(hash, urlSafe: false) || SigiledId.IsHash(hash, urlSafe: true),
        };
        error = valid ? IdentifierError.None : IdentifierError.InvalidHash;
        if (!valid) return false;
        id = new EventId(value, null);
        return true;
    }

    public static bool IsValid(string? value, RoomVersion? version = null) => TryParse(value, out _, out _, version);
}
