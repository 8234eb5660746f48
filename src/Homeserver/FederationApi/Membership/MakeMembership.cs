using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.FederationApi.Acl;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.FederationApi.Membership;

/// <summary>
/// GET /make_join, /make_leave, /make_knock (v1). <paramref name="SupportedVersions"/>: the ver parameters (null for
/// make_leave, which has none).
/// </summary>
public sealed record MakeMembershipQuery(string Origin, string RoomId, string UserId, string Membership, IReadOnlyList<string>? SupportedVersions)
    : IQuery<JsonObject>;

/// <summary>
/// A template for a user of the calling server to join, leave or knock on one of our rooms, as Synapse answers it:
/// the user must be of that server (403), we must know the room and still be in it (404), the room's version must
/// be one the server supports (400 M_INCOMPATIBLE_ROOM_VERSION), its ACL must allow the server (403), knocks need a
/// version that has them (403), and the event must pass the auth rules on the current state (403). A restricted
/// join names the local member who vouches for it (<see cref="RestrictedRemoteJoins"/>).
/// </summary>
public sealed class MakeMembershipHandler(
    HomeserverDbContext db, EventStore events, ServerAclChecker acls, RoomEventWriter writer, RestrictedRemoteJoins restricted, RoomServers servers,
    HomeserverOptions options)
    : IQueryHandler<MakeMembershipQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(MakeMembershipQuery query, CancellationToken cancellationToken)
    {
        if (!UserId.TryParse(query.UserId, out var user, out _) || user.Server.Value != query.Origin)
        {
            throw MatrixException.Forbidden("The user is not a user of the calling server");
        }

        var version = await KnownRoomAsync(db, events, servers, query.RoomId, options.ServerName, cancellationToken);
        if (query.SupportedVersions is { } supported && !supported.Contains(version.Id)) throw IncompatibleVersion(version);
        if (!await acls.IsAllowedAsync(db, query.RoomId, query.Origin, cancellationToken)) throw MatrixException.Forbidden("Server is denied by the room's server ACL");
        if (query.Membership == Memberships.Knock && !version.KnockJoinRule) throw MatrixException.Forbidden("This room version does not support knocking");

        var content = new JsonObject { ["membership"] = query.Membership };
        if (query.Membership == Memberships.Join && await restricted.RulesNeedingAuthorisationAsync(db, query.RoomId, version, query.UserId, cancellationToken) is { } rules)
        {
            await restricted.EnsureInAllowedRoomAsync(db, query.UserId, rules, cancellationToken);
            content[AuthEventSelection.JoinAuthorisedViaKey] = await restricted.AuthoriserAsync(db, query.RoomId, cancellationToken);
        }

        var template = await writer.BuildTemplateAsync(query.RoomId, EventDraft.Member(query.UserId, query.UserId, query.Membership, content), cancellationToken);
        template["origin"] = options.ServerName;
        return new JsonObject { ["event"] = template, ["room_version"] = version.Id };
    }

    /// <summary>
    /// The version of a room we are in; 404 when we do not know it or no longer take part in it (from the room's cached
    /// member snapshot when it is current: no read for a room this server writes to).
    /// </summary>
    public static async Task<RoomVersion> KnownRoomAsync(HomeserverDbContext db, EventStore events, RoomServers servers, string roomId, string serverName,
        CancellationToken cancellationToken)
    {
        var version = await events.GetRoomVersionAsync(db, roomId, cancellationToken) ?? throw MatrixException.NotFound("Unknown room");
        if (!await servers.HasJoinedMemberAsync(db, roomId, serverName, cancellationToken)) throw MatrixException.NotFound("Not an active room on this server");
        return version;
    }

    public static MatrixException IncompatibleVersion(RoomVersion version) =>
        new(400, ErrorCodes.IncompatibleRoomVersion, "Your homeserver does not support the features required to interact with this room",
            new JsonObject { ["room_version"] = version.Id });
}
