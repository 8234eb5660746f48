using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Matrix.Homeserver.Accounts.Filters;

/// <summary>
/// Stored filters, and the one place /sync (or /messages) turns its filter parameter into a
/// <see cref="SyncFilter"/>: a stored filter ID or inline JSON. An identical filter is stored once
/// (clients create their filter again at every start).
/// A singleton that opens a context only when it reads or writes a stored filter: a /sync request holds
/// its scope for the whole long-poll, and a scoped context would stay leased from the pool meanwhile
/// (a thousand parked syncs drained it, and every woken one built a context from scratch).
/// Stored filters never change, so the parsed ones are kept (a client sends the same ID with every sync) until
/// an account is deactivated, which deletes its filters (<see cref="ForgetAll"/>).
/// </summary>
public sealed class FilterService(IDbContextFactory<HomeserverDbContext> dbFactory) : IDisposable
{
    private const int MaxAttempts = 5;
    private readonly MemoryCache _parsed = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    /// <summary>Validates and stores the filter; returns its ID (a decimal string, unique per user).</summary>
    /// <exception cref="MatrixException">400 M_BAD_JSON / M_INVALID_PARAM for an invalid filter.</exception>
    public async Task<string> CreateAsync(string userId, JsonObject filter, CancellationToken cancellationToken)
    {
        FilterParser.Parse(filter);
        var json = filter.ToJsonString();
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(json));
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var existing = await db.UserFilters.AsNoTracking().Where(f => f.UserId == userId && f.JsonHash == hash)
                .Select(f => (long?)f.FilterId).FirstOrDefaultAsync(cancellationToken);
            if (existing is { } id) return Id(id);
            var next = (await db.UserFilters.Where(f => f.UserId == userId).MaxAsync(f => (long?)f.FilterId, cancellationToken) ?? -1) + 1;
            var row = new UserFilter { UserId = userId, FilterId = next, Json = json, JsonHash = hash };
            db.UserFilters.Add(row);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return Id(next);
            }
            catch (DbUpdateException) when (attempt < MaxAttempts)
            {
                // Another request took this ID meanwhile; count again.
                db.Entry(row).State = EntityState.Detached;
            }
        }
    }

    /// <summary>The stored filter's JSON, or null when the user has no filter with this ID.</summary>
    public async Task<JsonObject?> GetJsonAsync(string userId, string filterId, CancellationToken cancellationToken) =>
        await ReadAsync(userId, filterId, cancellationToken) is { } json ? JsonNode.Parse(json)!.AsObject() : null;

    private async Task<string?> ReadAsync(string userId, string filterId, CancellationToken cancellationToken)
    {
        if (!long.TryParse(filterId, System.Globalization.NumberStyles.None, null, out var id)) return null;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.UserFilters.AsNoTracking().Where(f => f.UserId == userId && f.FilterId == id)
            .Select(f => f.Json).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// The filter a request names: none (everything), inline JSON (starts with '{'), or a stored ID.
    /// </summary>
    /// <exception cref="MatrixException">400 for invalid inline JSON or filter, 404 M_NOT_FOUND for an unknown ID.</exception>
    public async Task<SyncFilter> ResolveAsync(string userId, string? filter, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(filter)) return SyncFilter.Default;
        if (filter.TrimStart().StartsWith('{'))
        {
            return FilterParser.Parse(JsonBody.ParseObject(filter, "The filter"));
        }

        var key = (userId, filter);
        if (_parsed.TryGetValue(key, out SyncFilter? cached)) return cached!;
        var stored = await ReadAsync(userId, filter, cancellationToken) ?? throw MatrixException.NotFound($"No such filter: {filter}");
        var parsed = FilterParser.Parse(JsonNode.Parse(stored)!.AsObject());
        // Weighed by size, not counted: a filter may list thousands of rooms or senders.
        _parsed.Set(key, parsed, new MemoryCacheEntryOptions { Size = CacheWeight.OfJson(stored.Length) });
        return parsed;
    }

    /// <summary>
    /// Drops every parsed filter: a deactivated account's rows were deleted, and were it reactivated it would number
    /// its filters from 0 again. Deactivations are rare; each syncing client then reads its filter once more.
    /// </summary>
    public void ForgetAll() => _parsed.Compact(1.0);

    public void Dispose() => _parsed.Dispose();

    private static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
