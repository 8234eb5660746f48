using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Users;

/// <summary>GET /_synapse/admin/v2/users: its query parameters, as Synapse reads them.</summary>
public sealed record UserListQuery(int From, int Limit, bool Guests, bool Deactivated, bool? Admins, string? Name, string? UserId, string OrderBy, bool Backwards)
{
    /// <summary>Synapse's order_by values. Shadow bans, locks and approvals are the same for every account here, so those order by name.</summary>
    public static readonly string[] OrderByValues =
    [
        "name", "is_guest", "admin", "user_type", "deactivated", "shadow_banned", "displayname", "avatar_url", "creation_ts", "last_seen_ts", "locked", "approved",
    ];

    public static UserListQuery Parse(HttpRequest request) => new(
        AdminParams.NonNegative(request, "from", 0),
        AdminParams.NonNegative(request, "limit", 100),
        AdminParams.Bool(request, "guests", true),
        AdminParams.Bool(request, "deactivated", false),
        request.Query.ContainsKey("admins") ? AdminParams.Bool(request, "admins", false) : null,
        AdminParams.Text(request, "name"),
        AdminParams.Text(request, "user_id"),
        AdminParams.Choice(request, "order_by", OrderByValues, "name"),
        AdminParams.Backwards(request));
}

/// <summary>Lists accounts a page at a time: filters and order run in SQL, ties broken by user ID.</summary>
public static class UserList
{
    public static async Task<JsonObject> PageAsync(HomeserverDbContext db, UserListQuery query, CancellationToken cancellationToken)
    {
        var rows = UserAdminRow.Query(db);
        if (!query.Guests) rows = rows.Where(u => !u.IsGuest);
        if (!query.Deactivated) rows = rows.Where(u => !u.Deactivated);
        if (query.Admins is { } admins) rows = rows.Where(u => u.IsAdmin == admins);

        // As Synapse: name matches the user ID or (case-insensitively) the display name; user_id the user ID alone.
        if (query.Name is { } name)
        {
            var lower = name.ToLowerInvariant();
            // ToLower is what EF translates to SQL; the StringComparison overloads are not translated.
#pragma warning disable CA1862
            rows = rows.Where(u => u.UserId.Contains(name) || (u.DisplayName != null && u.DisplayName.ToLower().Contains(lower)));
#pragma warning restore CA1862
        }
        else if (query.UserId is { } userId)
        {
            rows = rows.Where(u => u.UserId.Contains(userId));
        }

        var total = await rows.CountAsync(cancellationToken);
        var page = await Ordered(rows, query.OrderBy, query.Backwards).Skip(query.From).Take(query.Limit).ToListAsync(cancellationToken);
        var result = new JsonObject
        {
            ["users"] = new JsonArray(page.Select(u => (JsonNode)u.ToListEntry()).ToArray()),
            ["total"] = total,
        };
        if (AdminParams.NextToken(query.From, page.Count, total) is { } next) result["next_token"] = next;
        return result;
    }

    private static IOrderedQueryable<UserAdminRow> Ordered(IQueryable<UserAdminRow> rows, string orderBy, bool backwards) => orderBy switch
    {
        "is_guest" => By(rows, u => u.IsGuest, backwards),
        "admin" => By(rows, u => u.IsAdmin, backwards),
        "user_type" => By(rows, u => u.UserType, backwards),
        "deactivated" => By(rows, u => u.Deactivated, backwards),
        "displayname" => By(rows, u => u.DisplayName, backwards),
        "avatar_url" => By(rows, u => u.AvatarUrl, backwards),
        "creation_ts" => By(rows, u => u.CreatedTs, backwards),
        "last_seen_ts" => By(rows, u => u.LastSeenTs, backwards),
        _ => By(rows, u => u.UserId, backwards),
    };

    private static IOrderedQueryable<UserAdminRow> By<TKey>(IQueryable<UserAdminRow> rows, Expression<Func<UserAdminRow, TKey>> key, bool backwards) =>
        (backwards ? rows.OrderByDescending(key) : rows.OrderBy(key)).ThenBy(u => u.UserId);
}
