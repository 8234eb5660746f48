namespace Matrix.Federation.StateResolution;

/// <summary>Bounds on one resolution, so that absurd or hostile inputs fail fast instead of exhausting the server.</summary>
public sealed record StateResolutionLimits
{
    /// <summary>At most this many state sets (forward extremities) in one resolution.</summary>
    public int MaxStateSets { get; init; } = 256;

    /// <summary>At most this many distinct events loaded and walked (state, auth chains, mainlines).</summary>
    public int MaxEvents { get; init; } = 1_000_000;

    public static StateResolutionLimits Default { get; } = new();
}

/// <summary>State resolution could not run: a limit was exceeded, the auth graph has a cycle, or an event is from another room.</summary>
public sealed class StateResolutionException(string message) : Exception(message);
