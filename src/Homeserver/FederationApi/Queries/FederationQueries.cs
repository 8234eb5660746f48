using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Rooms.Aliases;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Queries;

/// <summary>GET /_matrix/federation/v1/query/directory: one of our aliases.</summary>
public sealed record QueryDirectory(string? RoomAlias) : IQuery<JsonObject>;

/// <summary>GET /_matrix/federation/v1/query/profile: a local user's public profile, or one field of it.</summary>
public sealed record QueryProfile(string? UserId, string? Field) : IQuery<JsonObject>;

/// <summary>
/// The two queries another server asks about our users and aliases. An alias gives its room and the servers in it
/// (this one first); a profile its display name and avatar, which local users' member events publish anyway. An
/// unknown alias, user or field is 404 M_NOT_FOUND.
/// </summary>
public sealed class FederationQueryHandlers(HomeserverDbContext db, RoomAliases aliases, HomeserverOptions options)
    : IQueryHandler<QueryDirectory, JsonObject>, IQueryHandler<QueryProfile, JsonObject>
{
    public static readonly string[] ProfileFields = ["displayname", "avatar_url"];

    public async ValueTask<JsonObject> Handle(QueryDirectory query, CancellationToken cancellationToken)
    {
        var alias = RequestIds.Alias(query.RoomAlias ?? throw MatrixException.MissingParam("Missing room_alias parameter"));
        var resolved = aliases.IsLocal(alias) ? await aliases.ResolveAsync(db, alias, cancellationToken) : null;
        if (resolved is null) throw MatrixException.NotFound("Room alias not found");
        return new JsonObject { ["room_id"] = resolved.RoomId, ["servers"] = new JsonArray([.. resolved.Servers.Select(s => JsonValue.Create(s))]) };
    }

    public async ValueTask<JsonObject> Handle(QueryProfile query, CancellationToken cancellationToken)
    {
        var userId = RequestIds.UserId(query.UserId ?? throw MatrixException.MissingParam("Missing user_id parameter"));
        if (!RequestIds.IsLocal(userId, options.ServerName)) throw MatrixException.InvalidParam("The user is not a user of this server");
        if (query.Field is { } field && !ProfileFields.Contains(field)) throw MatrixException.NotFound("No such profile field");
        var user = await db.Users.AsNoTracking().Where(u => u.UserId == userId && !u.Deactivated)
            .Select(u => new { u.DisplayName, u.AvatarUrl }).FirstOrDefaultAsync(cancellationToken)
            ?? throw MatrixException.NotFound("Profile not found");

        var profile = new JsonObject();
        if (user.DisplayName is not null && query.Field is null or "displayname") profile["displayname"] = user.DisplayName;
        if (user.AvatarUrl is not null && query.Field is null or "avatar_url") profile["avatar_url"] = user.AvatarUrl;
        if (query.Field is not null && profile.Count == 0) throw MatrixException.NotFound("The user has no such profile field");
        return profile;
    }
}
