using System.Collections.Frozen;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Management;

/// <summary>
/// The users who deactivated with erasure (spec, POST /account/deactivate "erase"): their events are served pruned to
/// anyone who was not joined when they were sent, as Synapse serves them. Few, so all of them are held in memory,
/// read once; every client event load asks.
/// </summary>
public sealed class ErasedUsers(IDbContextFactory<HomeserverDbContext> dbs) : IDisposable
{
    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly Lock _adding = new();
    private volatile FrozenSet<string>? _erased;

    public async ValueTask<FrozenSet<string>> GetAsync(CancellationToken cancellationToken)
    {
        if (_erased is { } erased) return erased;
        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (_erased is null)
            {
                await using var db = await dbs.CreateDbContextAsync(cancellationToken);
                _erased = (await db.Users.AsNoTracking().Where(u => u.Erased).Select(u => u.UserId).ToListAsync(cancellationToken)).ToFrozenSet(StringComparer.Ordinal);
            }

            return _erased;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>After the user's row is marked (a set not loaded yet reads it from there).</summary>
    public void Add(string userId)
    {
        lock (_adding)
        {
            if (_erased is { } erased) _erased = erased.Append(userId).ToFrozenSet(StringComparer.Ordinal);
        }
    }

    public void Dispose() => _loading.Dispose();
}
