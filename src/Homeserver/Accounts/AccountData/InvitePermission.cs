using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.AccountData;

/// <summary>
/// The spec's invite permission (v1.18): a user whose <c>m.invite_permission_config</c> account data says
/// <c>default_action: block</c> gets no invites: inviting them is 403 <c>M_INVITE_BLOCKED</c> (locally and over
/// federation), and invites they hold are not served by the sync endpoints while the block lasts.
/// </summary>
public static class InvitePermission
{
    public const string EventType = "m.invite_permission_config";

    /// <summary>Whether <paramref name="userId"/> blocks every invite (any other or missing value: invites as normal).</summary>
    public static async Task<bool> BlocksInvitesAsync(HomeserverDbContext db, string userId, CancellationToken cancellationToken)
    {
        var content = await db.AccountData.AsNoTracking()
            .Where(a => a.UserId == userId && a.RoomId == Storage.Entities.AccountDataEntry.Global && a.Type == EventType)
            .Select(a => a.Content).FirstOrDefaultAsync(cancellationToken);
        return content is not null && JsonNode.Parse(content) is JsonObject config
            && config["default_action"] is JsonValue action && action.TryGetValue(out string? value) && value == "block";
    }

    public static MatrixException Blocked(string userId) => new(403, ErrorCodes.InviteBlocked, $"{userId} does not accept invites");
}
