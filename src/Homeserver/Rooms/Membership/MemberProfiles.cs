using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Membership;

/// <summary>
/// A local user's global profile as member event content: joins, invites and knocks carry the
/// target's displayname and avatar_url unless the client set per-room values, as Synapse does.
/// </summary>
public static class MemberProfiles
{
    /// <summary>Adds the user's displayname and avatar_url where <paramref name="content"/> has none.</summary>
    public static async Task AddMissingAsync(HomeserverDbContext db, string userId, JsonObject content, CancellationToken cancellationToken)
    {
        if (content.ContainsKey("displayname") && content.ContainsKey("avatar_url")) return;
        var profile = await db.Users.AsNoTracking().Where(u => u.UserId == userId)
            .Select(u => new { u.DisplayName, u.AvatarUrl }).FirstOrDefaultAsync(cancellationToken);
        if (profile is null) return;
        if (!content.ContainsKey("displayname") && profile.DisplayName is not null) content["displayname"] = profile.DisplayName;
        if (!content.ContainsKey("avatar_url") && profile.AvatarUrl is not null) content["avatar_url"] = profile.AvatarUrl;
    }
}
