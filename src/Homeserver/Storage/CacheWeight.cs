namespace Matrix.Homeserver.Storage;

/// <summary>
/// The weight of an entry in the bounded in-memory caches that hold JSON others decide the size of (events, filters,
/// other servers' answers): a unit per 2 KiB of its JSON. Bounded by count, a cache of large entries held gigabytes.
/// </summary>
public static class CacheWeight
{
    public const int UnitBytes = 2048;

    public static long OfJson(int length) => 1 + length / UnitBytes;
}
