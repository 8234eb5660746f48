using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.AccountData;

/// <summary>
/// Each user's m.ignored_user_list (spec: Ignoring Users), as /sync reads it on every request: kept in memory after the
/// first read, forgotten when the user writes it. A read that raced a write is not kept (the generation moved).
/// </summary>
public sealed class IgnoredUsers
{
    public const string EventType = "m.ignored_user_list";

    /// <summary>Users whose lists are held at most; past it the cache starts over.</summary>
    private const int MaxCached = 100_000;

    private readonly ConcurrentDictionary<string, FrozenSet<string>> _cache = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>The users <paramref name="userId"/> ignores (empty for most).</summary>
    public async ValueTask<FrozenSet<string>> GetAsync(IDbSource db, string userId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(userId, out var held)) return held;
        var generation = Interlocked.Read(ref _generation);
        var content = await db.Db.AccountData.AsNoTracking()
            .Where(a => a.UserId == userId && a.RoomId == Storage.Entities.AccountDataEntry.Global && a.Type == EventType)
            .Select(a => a.Content).FirstOrDefaultAsync(cancellationToken);
        var ignored = Parse(content);
        if (Interlocked.Read(ref _generation) == generation)
        {
            if (_cache.Count >= MaxCached) _cache.Clear();
            _cache[userId] = ignored;
        }

        return ignored;
    }

    /// <summary>Whether an event is withheld from a user ignoring <paramref name="ignored"/>: their events but state events.</summary>
    public static bool Hides(FrozenSet<string> ignored, string sender, string? stateKey) => stateKey is null && ignored.Contains(sender);

    /// <summary>Call after the user's list was written.</summary>
    public void Forget(string userId)
    {
        Interlocked.Increment(ref _generation);
        _cache.TryRemove(userId, out _);
    }

    private static FrozenSet<string> Parse(string? content) =>
        content is not null && JsonNode.Parse(content)?["ignored_users"] is JsonObject users
            ? users.Select(u => u.Key).ToFrozenSet(StringComparer.Ordinal)
            : FrozenSet<string>.Empty;
}
