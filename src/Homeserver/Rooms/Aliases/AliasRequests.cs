using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Aliases;

/// <summary>PUT /directory/room/{roomAlias}.</summary>
public sealed record SetRoomAlias(Requester Requester, RoomAlias Alias, string RoomId) : ICommand;

/// <summary>GET /directory/room/{roomAlias}: {room_id, servers}.</summary>
public sealed record GetRoomAlias(RoomAlias Alias) : IQuery<JsonObject>;

/// <summary>DELETE /directory/room/{roomAlias}.</summary>
public sealed record DeleteRoomAlias(Requester Requester, RoomAlias Alias) : ICommand;

/// <summary>GET /rooms/{roomId}/aliases.</summary>
public sealed record GetLocalAliases(Requester Requester, string RoomId) : IQuery<JsonObject>;

public sealed class AliasHandlers(
    HomeserverDbContext db,
    RoomAliases aliases,
    RoomPermissions permissions,
    RoomStateReader reader,
    RoomStateAccess access,
    StateEventSender stateSender,
    ILogger<AliasHandlers> logger)
    : ICommandHandler<SetRoomAlias>, IQueryHandler<GetRoomAlias, JsonObject>, ICommandHandler<DeleteRoomAlias>, IQueryHandler<GetLocalAliases, JsonObject>
{
    /// <summary>Members (and server admins) may give any room they are in an alias of this server.</summary>
    public async ValueTask<Unit> Handle(SetRoomAlias command, CancellationToken cancellationToken)
    {
        var appServiceId = command.Requester.AppServiceId;
        aliases.CheckCreatable(command.Alias, appServiceId);
        var userId = command.Requester.UserId;
        // An application service manages the aliases of its namespace without being in the room (spec).
        if (appServiceId is not null || await AdminAccess.IsServerAdminAsync(db, userId, cancellationToken))
        {
            if (!await db.Rooms.AnyAsync(r => r.RoomId == command.RoomId, cancellationToken)) throw MatrixException.NotFound("Unknown room");
        }
        else if (await reader.GetMembershipAsync(db, command.RoomId, userId, cancellationToken) != Memberships.Join)
        {
            throw MatrixException.Forbidden("You must be in the room to create an alias for it");
        }

        await aliases.CreateAsync(db, command.Alias, command.RoomId, userId,
            () => new MatrixException(409, ErrorCodes.Unknown, $"Room alias {command.Alias.Value} already exists"), cancellationToken, appServiceId);
        return Unit.Value;
    }

    public async ValueTask<JsonObject> Handle(GetRoomAlias query, CancellationToken cancellationToken)
    {
        var resolved = await aliases.ResolveAsync(db, query.Alias, cancellationToken)
            ?? throw MatrixException.NotFound($"Room alias {query.Alias.Value} not found");
        return new JsonObject { ["room_id"] = resolved.RoomId, ["servers"] = new JsonArray([.. resolved.Servers.Select(s => JsonValue.Create(s))]) };
    }

    /// <summary>
    /// The alias's creator, a server admin, or a member who may set the canonical alias may delete it.
    /// The canonical alias event then stops listing it, if the requester may send that; the deletion stands either way.
    /// </summary>
    public async ValueTask<Unit> Handle(DeleteRoomAlias command, CancellationToken cancellationToken)
    {
        if (!aliases.IsLocal(command.Alias)) throw MatrixException.InvalidParam("Room alias must be local");
        var mapping = await aliases.FindAsync(db, command.Alias, cancellationToken)
            ?? throw MatrixException.NotFound($"Room alias {command.Alias.Value} not found");
        var userId = command.Requester.UserId;
        if (mapping.Creator != userId && !await permissions.CanManageDirectoryAsync(db, mapping.RoomId, userId, cancellationToken))
        {
            throw MatrixException.Forbidden("You don't have permission to delete the alias.");
        }

        await aliases.DeleteAsync(db, command.Alias, cancellationToken);
        await RemoveFromCanonicalAliasAsync(mapping.RoomId, userId, command.Alias.Value, cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<JsonObject> Handle(GetLocalAliases query, CancellationToken cancellationToken)
    {
        if (!await AdminAccess.IsServerAdminAsync(db, query.Requester.UserId, cancellationToken))
        {
            var (standing, _) = await access.CheckAsync(db, query.RoomId, query.Requester.UserId, cancellationToken);
            if (standing == RoomStateAccess.Standing.Departed) throw MatrixException.Forbidden("You are not a member of the room.");
        }

        var list = await aliases.ListAsync(db, query.RoomId, cancellationToken);
        return new JsonObject { ["aliases"] = new JsonArray([.. list.Select(a => JsonValue.Create(a))]) };
    }

    private async Task RemoveFromCanonicalAliasAsync(string roomId, string userId, string alias, CancellationToken cancellationToken)
    {
        var canonical = await reader.GetStateEventAsync(db, roomId, EventTypes.CanonicalAlias, "", cancellationToken);
        if (canonical is null) return;
        var content = CanonicalAliasContent.Without(canonical.Content, [alias]);
        if (content is null) return;
        try
        {
            await stateSender.SendAsync(roomId, userId, EventTypes.CanonicalAlias, "", content, cancellationToken);
        }
        catch (MatrixException e)
        {
            logger.LogInformation("Alias deleted; the canonical alias event of {RoomId} was not updated: {Error}", roomId, e.Message);
        }
    }
}
