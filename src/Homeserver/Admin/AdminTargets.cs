using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin;

/// <summary>The user an admin request names in its path, checked as Synapse does: valid (400), local (400), existing (404).</summary>
public sealed class AdminTargets(HomeserverDbContext db, HomeserverOptions options)
{
    /// <summary>A valid user ID of this server (it may not exist yet).</summary>
    public string LocalUserId(string value, string notLocalMessage = "Can only look up local users")
    {
        var userId = RequestIds.UserId(value);
        return RequestIds.IsLocal(userId, options.ServerName) ? userId : throw new MatrixException(400, ErrorCodes.InvalidParam, notLocalMessage);
    }

    /// <summary>An existing local user (tracked, so callers may change it).</summary>
    public async Task<User> LocalUserAsync(string value, CancellationToken cancellationToken, string notLocalMessage = "Can only look up local users")
    {
        var userId = LocalUserId(value, notLocalMessage);
        return await db.Users.FirstOrDefaultAsync(u => u.UserId == userId, cancellationToken) ?? throw MatrixException.NotFound("User not found");
    }

    public bool IsLocal(string userId) => RequestIds.IsLocal(userId, options.ServerName);
}
