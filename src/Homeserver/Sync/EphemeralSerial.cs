namespace Matrix.Homeserver.Sync;

/// <summary>
/// The counter of the in-memory streams (typing, presence): the second part of a sync token. It
/// starts at the boot time in milliseconds, so the serials of one run are above every serial the
/// previous run could have issued (unless it made more than a thousand changes a second for its
/// whole life): a token from before a restart then simply gets the full in-memory state.
/// </summary>
public sealed class EphemeralSerial
{
    private long _current;

    public EphemeralSerial(TimeProvider clock) => _current = clock.GetUtcNow().ToUnixTimeMilliseconds();

    public long Current => Interlocked.Read(ref _current);

    /// <summary>The serial for a new change.</summary>
    public long Next() => Interlocked.Increment(ref _current);
}
