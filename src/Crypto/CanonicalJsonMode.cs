namespace Matrix.Crypto;

/// <summary>How strictly the canonical JSON number rules are applied.</summary>
public enum CanonicalJsonMode
{
    /// <summary>Room versions 6+ and every non-event use: integers must lie in [-(2^53)+1, 2^53-1].</summary>
    Strict,

    /// <summary>
    /// Room versions 1–5: integers of any size are kept as written, because such events exist and
    /// were signed that way. Floats are still refused when encoding (as Synapse does).
    /// </summary>
    Lenient,
}
