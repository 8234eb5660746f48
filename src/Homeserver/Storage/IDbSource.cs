namespace Matrix.Homeserver.Storage;

/// <summary>
/// Where a DbContext comes from when a query needs one. A read that is usually answered from a cache takes this, so
/// that its caller need not take a context from the pool for nothing (a sync woken by a message, answered from
/// memory). A <see cref="HomeserverDbContext"/> is its own source.
/// </summary>
public interface IDbSource
{
    HomeserverDbContext Db { get; }
}
