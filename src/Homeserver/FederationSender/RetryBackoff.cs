namespace Matrix.Homeserver.FederationSender;

/// <summary>
/// How long to leave a failing destination alone (Synapse's retry rules): the minimum after a first failure, then
/// each failure doubles the wait with a random factor between 0.8 and 1.4, so that destinations that failed together
/// are not all retried at the same moment, up to the maximum.
/// </summary>
public static class RetryBackoff
{
    public const double MinJitter = 0.8;
    public const double MaxJitter = 1.4;

    /// <param name="currentMs">The wait after the previous failure; 0 when the destination was healthy.</param>
    /// <param name="jitter">A factor in [<see cref="MinJitter"/>, <see cref="MaxJitter"/>].</param>
    public static long Next(long currentMs, long minMs, long maxMs, double jitter)
    {
        if (currentMs <= 0) return minMs;
        var next = currentMs * 2 * Math.Clamp(jitter, MinJitter, MaxJitter);
        return next >= maxMs ? maxMs : Math.Max(minMs, (long)next);
    }

    public static double RandomJitter() => MinJitter + (Random.Shared.NextDouble() * (MaxJitter - MinJitter));
}
