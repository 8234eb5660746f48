using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Filters;

/// <summary>
/// Stored filters, and the one place /sync (or /messages) turns its filter parameter into a
/// <see cref="SyncFilter"/>: a stored filter ID or inline JSON. An identical filter is stored once
/// (clients create their filter again at every start).
/// </summary>
public sealed class FilterService(HomeserverDbContext db)
{
    private const int MaxAttempts = 5;

    /// <summary>Validates and stores the filter; returns its ID (a decimal string, unique per user).</summary>
    /// <exception cref="MatrixException">400 M_BAD_JSON / M_INVALID_PARAM for an invalid filter.</exception>
    public async Task<string> CreateAsync(string userId, JsonObject filter, CancellationToken cancellationToken)
    {
        FilterParser.Parse(filter);
        var json = filter.ToJsonString();
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(json));
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
    public async Task<JsonObject?> GetJsonAsync(string userId, string filterId, CancellationToken cancellationToken)
    {
        if (!long.TryParse(filterId, System.Globalization.NumberStyles.None, null, out var id)) return null;
        var json = await db.UserFilters.AsNoTracking().Where(f => f.UserId == userId && f.FilterId == id)
            .Select(f => f.Json).FirstOrDefaultAsync(cancellationToken);
        return json is null ? null : JsonNode.Parse(json)!.AsObject();
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
            JsonObject inline;
            try
            {
                inline = JsonNode.Parse(filter, documentOptions: new JsonDocumentOptions { MaxDepth = JsonBody.MaxDepth }) as JsonObject
                    ?? throw MatrixException.BadJson("The filter must be a JSON object");
            }
            catch (JsonException)
            {
                throw MatrixException.NotJson("The filter is not valid JSON");
            }

            return FilterParser.Parse(inline);
        }

        var stored = await GetJsonAsync(userId, filter, cancellationToken) ?? throw MatrixException.NotFound($"No such filter: {filter}");
        return FilterParser.Parse(stored);
    }

    private static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
