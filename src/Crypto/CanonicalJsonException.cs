namespace Matrix.Crypto;

/// <summary>Why a JSON text or tree is not acceptable as canonical JSON.</summary>
public enum CanonicalJsonError
{
    /// <summary>The text is not JSON (syntax error, trailing data, comments, ...).</summary>
    InvalidJson,
    /// <summary>The bytes are not valid UTF-8.</summary>
    InvalidUtf8,
    /// <summary>A string holds a lone surrogate, which has no UTF-8 encoding.</summary>
    InvalidString,
    /// <summary>An object has the same key twice.</summary>
    DuplicateKey,
    /// <summary>A number has a fraction or exponent (strict parsing) or a non-integral value.</summary>
    NotAnInteger,
    /// <summary>An integer lies outside [-(2^53)+1, 2^53-1].</summary>
    IntegerOutOfRange,
    /// <summary>Objects and arrays are nested deeper than the configured limit.</summary>
    TooDeep,
    /// <summary>The top-level value has the wrong JSON type (e.g. an object was required).</summary>
    UnexpectedType,
    /// <summary>A node holds a CLR value that has no JSON meaning here (e.g. NaN).</summary>
    UnsupportedValue,
}

/// <summary>JSON that cannot be parsed or encoded under the canonical JSON rules.</summary>
public sealed class CanonicalJsonException : Exception
{
    public CanonicalJsonException(CanonicalJsonError error, string message)
        : base(message) => Error = error;

    public CanonicalJsonException(CanonicalJsonError error, string message, Exception inner)
        : base(message, inner) => Error = error;

    public CanonicalJsonError Error { get; }
}
