using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Aliases;
using Matrix.Homeserver.Rooms.Membership;
using Matrix.Homeserver.Rooms.Remote;
using Matrix.Homeserver.Rooms.ThirdPartyInvites;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Creation;

/// <summary>POST /createRoom: returns the new room's ID.</summary>
public sealed record CreateRoom(Requester Requester, CreateRoomBody Body) : ICommand<string>;

/// <summary>
/// Creates a room as Synapse does: validates the request, reserves the alias, plans the events
/// (<see cref="RoomCreationPlan"/>) and writes them in one transaction. Events the auth rules refuse
/// (say, a power level override that takes the creator's power away) make the initial state invalid:
/// 400 M_INVALID_ROOM_STATE, and nothing is created.
/// </summary>
public sealed class CreateRoomHandler(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    RoomEventWriter writer,
    RoomAliases aliases,
    IRemoteRooms remote,
    HomeserverOptions options,
    AppServiceQueries appServiceQueries,
    ThirdPartyInviteService thirdParty,
    ILogger<CreateRoomHandler> logger) : ICommandHandler<CreateRoom, string>
{
    public async ValueTask<string> Handle(CreateRoom command, CancellationToken cancellationToken)
    {
        var body = command.Body;
        var creator = command.Requester.UserId;
        var version = body.RoomVersion is null ? options.Rooms.DefaultVersion
            : RoomVersions.Find(body.RoomVersion) ?? throw new MatrixException(400, ErrorCodes.UnsupportedRoomVersion, "Your homeserver does not support this room version");
        var thirdPartyInvites = (body.Invite3Pid ?? []).Select(ThirdPartyInvitee.From).ToList();
        if (body.InitialState?.Any(e => e.Type == EventTypes.Create) == true)
        {
            throw new MatrixException(400, ErrorCodes.InvalidRoomState, "initial_state may not hold an m.room.create event");
        }

        // Before v12 the creator is an ordinary user in the power levels, so an override listing users must keep them.
        if (!version.PrivilegedCreators && body.PowerLevelContentOverride?["users"] is JsonObject users && !users.ContainsKey(creator))
        {
            throw MatrixException.InvalidParam($"Not a valid power_level_content_override: 'users' did not contain {creator}");
        }

        // Local invites are part of the room's first events; other servers must sign theirs, once the room exists.
        var invites = (body.Invite ?? []).Distinct().ToList();
        var remoteInvites = invites.Where(i => !RequestIds.IsLocal(i, options.ServerName)).ToList();
        invites = [.. invites.Except(remoteInvites)];
        // Application services may create the local invitees they are asked about.
        foreach (var invitee in invites) await appServiceQueries.UserExistsAsync(invitee, cancellationToken);
        if (remoteInvites.Count > 0 && !options.Federation.Enabled)
        {
            throw MatrixException.Forbidden($"Cannot invite {remoteInvites[0]}: this server does not federate");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // An invitee who blocks invites is left out; the room is made all the same (spec "Invite permission").
        foreach (var invitee in invites.ToList())
        {
            if (await InvitePermission.BlocksInvitesAsync(db, invitee, cancellationToken)) invites.Remove(invitee);
        }

        var alias = await ReserveAliasAsync(db, body.RoomAliasName, creator, command.Requester.AppServiceId, cancellationToken);
        string? roomId = null;
        try
        {
            var spec = await BuildSpecAsync(db, command, version, invites, alias, cancellationToken);
            (roomId, _) = await writer.CreateRoomAsync(version, RoomCreationPlan.Build(spec), body.Visibility == "public", cancellationToken);
        }
        catch (MatrixException e) when (e.StatusCode == 403)
        {
            throw new MatrixException(400, ErrorCodes.InvalidRoomState, e.Message);
        }
        finally
        {
            // No room, no alias: free the name again.
            if (roomId is null && alias is not null) await aliases.ReleaseReservationAsync(db, alias, CancellationToken.None);
        }

        if (alias is not null) await aliases.CompleteReservationAsync(db, alias, roomId, CancellationToken.None);
        await InviteRemoteAsync(roomId, creator, remoteInvites, body.IsDirect == true, cancellationToken);
        foreach (var invitee in thirdPartyInvites)
        {
            try
            {
                await thirdParty.InviteAsync(roomId, creator, invitee, cancellationToken);
            }
            catch (MatrixException e)
            {
                logger.LogWarning("Could not invite a third-party identifier to the new room {RoomId}: {Reason}", roomId, e.Message);
            }
        }

        return roomId;
    }

    /// <summary>The room exists whatever other servers answer: a failed invite is logged, not the request's failure.</summary>
    private async Task InviteRemoteAsync(string roomId, string creator, List<string> invitees, bool isDirect, CancellationToken cancellationToken)
    {
        foreach (var invitee in invitees)
        {
            var content = isDirect ? new JsonObject { ["is_direct"] = true } : null;
            try
            {
                await remote.InviteAsync(roomId, EventDraft.Member(invitee, creator, Memberships.Invite, content), cancellationToken);
            }
            catch (MatrixException e)
            {
                logger.LogWarning("Could not invite {Invitee} to the new room {RoomId}: {Reason}", invitee, roomId, e.Message);
            }
        }
    }

    private async Task<RoomAlias?> ReserveAliasAsync(HomeserverDbContext db, string? localpart, string creator, string? appServiceId, CancellationToken cancellationToken)
    {
        if (localpart is null) return null;
        var alias = RoomAlias.TryParse($"#{localpart}:{options.ServerName}", out var parsed, out _)
            ? parsed : throw MatrixException.InvalidParam("Invalid room alias name");
        await aliases.CreateAsync(db, alias, roomId: "", creator,
            () => new MatrixException(400, ErrorCodes.RoomInUse, "Room alias already taken"), cancellationToken, appServiceId);
        return alias;
    }

    private async Task<RoomCreationSpec> BuildSpecAsync(HomeserverDbContext db, CreateRoom command, RoomVersion version, List<string> invites,
        RoomAlias? alias, CancellationToken cancellationToken)
    {
        var body = command.Body;
        var preset = body.Preset is { } name ? RoomPresets.Find(name)! : body.Visibility == "public" ? RoomPresets.PublicChat : RoomPresets.PrivateChat;
        var creatorContent = new JsonObject();
        await MemberProfiles.AddMissingAsync(db, command.Requester.UserId, creatorContent, cancellationToken);

        var inviteContents = new List<(string, JsonObject)>();
        foreach (var invitee in invites)
        {
            var content = new JsonObject();
            if (body.IsDirect == true) content["is_direct"] = true;
            if (RequestIds.IsLocal(invitee, options.ServerName)) await MemberProfiles.AddMissingAsync(db, invitee, content, cancellationToken);
            inviteContents.Add((invitee, content));
        }

        return new RoomCreationSpec(command.Requester.UserId, version, preset)
        {
            CreationContent = body.CreationContent ?? [],
            CreatorMemberContent = creatorContent,
            InitialState = [.. (body.InitialState ?? []).Select(e => (new StateKey(e.Type!, e.StateKey ?? ""), e.Content!))],
            PowerLevelContentOverride = body.PowerLevelContentOverride,
            CanonicalAlias = alias?.Value,
            Name = body.Name,
            Topic = body.Topic,
            Encrypt = options.Rooms.EncryptByDefault switch
            {
                EncryptByDefault.All => true,
                EncryptByDefault.Invite => preset.IsPrivate,
                _ => false,
            },
            Invites = inviteContents,
        };
    }
}
