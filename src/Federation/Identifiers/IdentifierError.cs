namespace Matrix.Federation.Identifiers;

/// <summary>Each way a Matrix identifier can break the grammar of the spec appendix "Identifier Grammar".</summary>
public enum IdentifierError
{
    None,
    /// <summary>The string is null or empty.</summary>
    Empty,
    /// <summary>The first character is not the sigil of this kind of identifier (@, !, $, #).</summary>
    WrongSigil,
    /// <summary>The identifier is longer than 255 bytes of UTF-8.</summary>
    TooLong,
    /// <summary>There is no ':' followed by a server name.</summary>
    MissingServerName,
    /// <summary>The localpart (or opaque part) is empty.</summary>
    EmptyLocalpart,
    /// <summary>The localpart holds a character the grammar forbids (for user IDs: outside a-z 0-9 . _ = - / +; always: NUL or an unpaired surrogate).</summary>
    InvalidLocalpart,
    /// <summary>The server name has no host.</summary>
    EmptyHost,
    /// <summary>A DNS host holds a character other than letters, digits, '-' and '.'.</summary>
    InvalidHostCharacter,
    /// <summary>A DNS host is longer than 255 characters.</summary>
    HostTooLong,
    /// <summary>A dotted-quad host has a part outside 0–255.</summary>
    InvalidIpv4Literal,
    /// <summary>A bracketed host is not an RFC 3513 IPv6 address, or the bracket is not closed.</summary>
    InvalidIpv6Literal,
    /// <summary>The port is not 1–5 digits with a value in 1–65535, or junk follows the host.</summary>
    InvalidPort,
    /// <summary>A hash-form ID (event IDs from v3, room IDs from v12) is not 43 characters of the version's base64 alphabet.</summary>
    InvalidHash,
}

/// <summary>An identifier that does not match the grammar.</summary>
public sealed class IdentifierFormatException(IdentifierError error, string kind)
    : FormatException($"invalid {kind}: {IdentifierErrors.Describe(error)}")
{
    public IdentifierError Error { get; } = error;
}

public static class IdentifierErrors
{
    public static string Describe(IdentifierError error) => error switch
    {
        IdentifierError.None => "valid",
        IdentifierError.Empty => "empty",
        IdentifierError.WrongSigil => "wrong or missing sigil",
        IdentifierError.TooLong => "longer than 255 bytes",
        IdentifierError.MissingServerName => "no ':' and server name",
        IdentifierError.EmptyLocalpart => "empty localpart",
        IdentifierError.InvalidLocalpart => "localpart holds a forbidden character",
        IdentifierError.EmptyHost => "server name has no host",
        IdentifierError.InvalidHostCharacter => "host holds a character other than letters, digits, '-' and '.'",
        IdentifierError.HostTooLong => "host longer than 255 characters",
        IdentifierError.InvalidIpv4Literal => "IPv4 literal with a part outside 0-255",
        IdentifierError.InvalidIpv6Literal => "malformed IPv6 literal",
        IdentifierError.InvalidPort => "port is not a number in 1-65535",
        IdentifierError.InvalidHash => "not a 43-character base64 hash",
        _ => error.ToString(),
    };
}
