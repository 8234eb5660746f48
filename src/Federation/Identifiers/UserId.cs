using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Matrix.Federation.Identifiers;

/// <summary>Which localparts a user ID may have.</summary>
public enum UserIdGrammar
{
    /// <summary>What servers must accept over federation: any code point except ':' and NUL, even empty.</summary>
    Historical,
    /// <summary>What new user IDs must follow: one or more of a-z 0-9 . _ = - / +.</summary>
    Strict,
}

/// <summary>A user ID, <c>@localpart:server</c>.</summary>
public sealed record UserId : ServerScopedId
{
    private static readonly SearchValues<char> StrictChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789._=-/+");

    private UserId(string value, string localpart, ServerName server)
        : base(value, localpart, server)
    {
    }

    /// <summary>The localpart follows the current grammar.</summary>
    public bool IsStrict => IsStrictLocalpart(Localpart);

    /// <summary>The spec's "compliant": non-empty, only U+0021–U+007E. Non-compliant IDs are accepted in events but not forwarded elsewhere.</summary>
    public bool IsCompliant => Localpart.Length > 0 && !Localpart.AsSpan().ContainsAnyExceptInRange('\u0021', '\u007e');

    public static bool IsStrictLocalpart(string localpart) => localpart.Length > 0 && !localpart.AsSpan().ContainsAnyExcept(StrictChars);

    public static UserId Parse(string? value, UserIdGrammar grammar = UserIdGrammar.Historical) =>
        TryParse(value, out var id, out var error, grammar) ? id : throw new IdentifierFormatException(error, "user ID");

    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out UserId? id, out IdentifierError error, UserIdGrammar grammar = UserIdGrammar.Historical)
    {
        id = null;
        error = SigiledId.CheckFrame(value, '@');
        if (error != IdentifierError.None) return false;
        error = SigiledId.SplitDomain(value!, out var localpart, out var server);
        if (error != IdentifierError.None) return false;
        error = grammar == UserIdGrammar.Strict
            ? localpart.Length == 0 ? IdentifierError.EmptyLocalpart : IsStrictLocalpart(localpart) ? IdentifierError.None : IdentifierError.InvalidLocalpart
            : SigiledId.CheckOpaqueLocalpart(localpart, allowEmpty: true);
        if (error != IdentifierError.None) return false;
        id = new UserId(value!, localpart, server!);
        return true;
    }

    public static bool IsValid(string? value, UserIdGrammar grammar = UserIdGrammar.Historical) => TryParse(value, out _, out _, grammar);
}
