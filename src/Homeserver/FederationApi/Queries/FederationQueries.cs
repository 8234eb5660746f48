using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.Profiles;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Rooms.Aliases;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.FederationApi.Queries;

/// <summary>GET /_matrix/federation/v1/query/directory: one of our aliases.</summary>
public sealed record QueryDirectory(string? RoomAlias) : IQuery<JsonObject>;

/// <summary>GET /_matrix/federation/v1/query/profile: a local user's public profile, or one field of it.</summary>
public sealed record QueryProfile(string? UserId, string? Field) : IQuery<JsonObject>;

/// <summary>
/// The two queries another server asks about our users and aliases. An alias gives its room and the servers in it
/// (this one first); a profile is the user's public profile as the client API shows it (display name, avatar and
/// extended fields), or one field of it. An unknown alias, user or field is 404 M_NOT_FOUND.
/// </summary>
public sealed class FederationQueryHandlers(HomeserverDbContext db, RoomAliases aliases, ProfileService profiles, HomeserverOptions options)
    : IQueryHandler<QueryDirectory, JsonObject>, IQueryHandler<QueryProfile, JsonObject>
{
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
        var profile = await profiles.GetAsync(userId, cancellationToken);
        if (profile is null || profile.Count == 0) throw MatrixException.NotFound("Profile not found");
        if (query.Field is null) return profile;
        return profile[query.Field] is { } value
            ? new JsonObject { [query.Field] = value.DeepClone() }
            : throw MatrixException.NotFound("The user has no such profile field");
    }
}
