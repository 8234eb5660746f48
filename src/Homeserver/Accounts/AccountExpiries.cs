namespace Matrix.Homeserver.Accounts;

/// <summary>
/// The earliest expiry among the auth sessions and login tokens, as far as this process knows: the account clean-up
/// skips the database while nothing can have expired. Unknown (so due) until the clean-up's first run has looked.
/// </summary>
public sealed class AccountExpiries
{
    private long _earliest = long.MinValue;

    /// <summary>A session or token that expires at <paramref name="expiresTs"/> (ms) was stored.</summary>
    public void Note(long expiresTs)
    {
        long seen;
        do
        {
            seen = Volatile.Read(ref _earliest);
            if (seen <= expiresTs) return;
        }
        while (Interlocked.CompareExchange(ref _earliest, expiresTs, seen) != seen);
    }

    public bool AnyDue(long now) => Volatile.Read(ref _earliest) <= now;

    /// <summary>
    /// A clean-up run starts: from here only what is noted counts, with the earliest expiry the run finds left
    /// (<see cref="Note"/>, or <see cref="Unknown"/> when the run failed).
    /// </summary>
    public void Forget() => Volatile.Write(ref _earliest, long.MaxValue);

    public void Unknown() => Volatile.Write(ref _earliest, long.MinValue);
}
