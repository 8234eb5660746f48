using System.Diagnostics.CodeAnalysis;

namespace Matrix.Federation.Identifiers;

/// <summary>A room alias, <c>#localpart:server</c>.</summary>
public sealed record RoomAlias : ServerScopedId
{
    private RoomAlias(string value, string localpart, ServerName server)
        : base(value, localpart, server)
    {
    }

    public static RoomAlias Parse(string? value) =>
        TryParse(value, out var alias, out var error) ? alias : throw new IdentifierFormatException(error, "room alias");

    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out RoomAlias? alias, out IdentifierError error)
    {
        alias = null;
        error = SigiledId.CheckFrame(value, '#');
        if (error != IdentifierError.None) return false;
        error = SigiledId.SplitDomain(value!, out var localpart, out var server);
        if (error == IdentifierError.None) error = SigiledId.CheckOpaqueLocalpart(localpart, allowEmpty: false);
        if (error != IdentifierError.None) return false;
        alias = new RoomAlias(value!, localpart, server!);
        return true;
    }

    public static bool IsValid(string? value) => TryParse(value, out _, out _);
}
