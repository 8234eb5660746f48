using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Users;

/// <summary>An account as the admin API shows it: the user row plus when any of its devices was last seen.</summary>
public sealed class UserAdminRow
{
    public required string UserId { get; init; }
    public bool IsGuest { get; init; }
    public bool IsAdmin { get; init; }
    public string? UserType { get; init; }
    public bool Deactivated { get; init; }
    public bool Locked { get; init; }
    public bool Suspended { get; init; }
    public string? DisplayName { get; init; }
    public string? AvatarUrl { get; init; }
    public long CreatedTs { get; init; }
    public long? LastSeenTs { get; init; }

    /// <summary>Every account as a row, for filtering and ordering in SQL.</summary>
    public static IQueryable<UserAdminRow> Query(HomeserverDbContext db) => db.Users.AsNoTracking().Select(u => new UserAdminRow
    {
        UserId = u.UserId,
        IsGuest = u.IsGuest,
        IsAdmin = u.IsAdmin,
        UserType = u.UserType,
        Deactivated = u.Deactivated,
        Locked = u.Locked,
        Suspended = u.Suspended,
        DisplayName = u.DisplayName,
        AvatarUrl = u.AvatarUrl,
        CreatedTs = u.CreatedTs,
        LastSeenTs = db.Devices.Where(d => d.UserId == u.UserId).Max(d => d.LastSeenTs),
    });

    /// <summary>
    /// Synapse's list entry. This server has no shadow bans, approvals or erasure records, so every
    /// account shows those in their default state.
    /// </summary>
    public JsonObject ToListEntry() => new()
    {
        ["name"] = UserId,
        ["user_type"] = UserType,
        ["is_guest"] = IsGuest,
        ["admin"] = IsAdmin,
        ["deactivated"] = Deactivated,
        ["erased"] = false,
        ["shadow_banned"] = false,
        ["locked"] = Locked,
        ["suspended"] = Suspended,
        ["approved"] = true,
        ["displayname"] = DisplayName,
        ["avatar_url"] = AvatarUrl,
        ["creation_ts"] = CreatedTs,
        ["last_seen_ts"] = LastSeenTs,
    };

    /// <summary>Synapse's "query user account" answer: the list entry plus identifiers this server does not keep (3PIDs, SSO IDs).</summary>
    public JsonObject ToDetails()
    {
        var details = ToListEntry();
        details["threepids"] = new JsonArray();
        details["external_ids"] = new JsonArray();
        details["appservice_id"] = null;
        return details;
    }
}
