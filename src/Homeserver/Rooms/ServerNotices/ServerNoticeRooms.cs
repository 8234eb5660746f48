using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Accounts.Registration;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Creation;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.ServerNotices;

/// <summary>
/// The spec's server notices room: one per user, made by the system user (<see cref="ServerNoticesOptions"/>), who
/// invites the user into it (the invite cannot be rejected) and tags it <c>m.server_notice</c> for them; the user may
/// read but not write there. A user who left gets a new room with the next notice, as Synapse does.
/// </summary>
public sealed class ServerNoticeRooms(HomeserverDbContext db, HomeserverOptions options, AccountCreator accounts, IMediator mediator, RoomEventWriter writer,
    AccountDataService accountData)
{
    public const string Tag = "m.server_notice";

    /// <summary>Sends <paramref name="content"/> (an event of <paramref name="type"/>) to the user's notices room; its event ID.</summary>
    /// <exception cref="MatrixException">400 when server notices are off.</exception>
    public async Task<string> SendAsync(string userId, string type, string? stateKey, JsonObject content, CancellationToken cancellationToken)
    {
        var system = await SystemUserAsync(cancellationToken);
        var roomId = await RoomOfAsync(system, userId, cancellationToken) ?? await CreateRoomAsync(system, userId, cancellationToken);
        return (await writer.SendAsync(roomId, [new EventDraft(type, stateKey, system, content)], cancellationToken))[0].EventId;
    }

    /// <summary>The system user's ID, or null when server notices are off.</summary>
    public static string? SystemUserId(HomeserverOptions options) =>
        options.ServerNotices.SystemUserLocalpart is { } localpart ? UserIds.Of(localpart, options.ServerName) : null;

    private async Task<string> SystemUserAsync(CancellationToken cancellationToken)
    {
        var userId = SystemUserId(options) ?? throw new MatrixException(400, ErrorCodes.Unknown, "Server notices are not enabled on this server");
        if (await db.Users.AnyAsync(u => u.UserId == userId, cancellationToken)) return userId;
        try
        {
            await accounts.CreateAsync(options.ServerNotices.SystemUserLocalpart, passwordHash: null, displayName: options.ServerNotices.SystemUserDisplayName,
                cancellationToken: cancellationToken);
        }
        catch (MatrixException e) when (e.ErrCode == ErrorCodes.UserInUse)
        {
            // Made meanwhile by a concurrent notice.
        }

        return userId;
    }

    /// <summary>The room the system user shares with the user (joined or invited there): their notices room.</summary>
    private Task<string?> RoomOfAsync(string system, string userId, CancellationToken cancellationToken)
    {
        var systemRooms = db.RoomMemberships.Where(m => m.UserId == system && m.Membership == Memberships.Join).Select(m => m.RoomId);
        return db.RoomMemberships.AsNoTracking()
            .Where(m => m.UserId == userId && (m.Membership == Memberships.Join || m.Membership == Memberships.Invite) && systemRooms.Contains(m.RoomId))
            .Select(m => m.RoomId).FirstOrDefaultAsync(cancellationToken);
    }

    private async Task<string> CreateRoomAsync(string system, string userId, CancellationToken cancellationToken)
    {
        var body = new CreateRoomBody
        {
            Preset = "private_chat",
            Name = options.ServerNotices.RoomName,
            Invite = [userId],
            // Read-only for the user, as Synapse makes it.
            PowerLevelContentOverride = new JsonObject { ["users_default"] = -10 },
        };
        var roomId = await mediator.Send(new CreateRoom(new Requester(system, DeviceId: "", AccessTokenId: 0, IsGuest: false), body), cancellationToken);
        await accountData.UpdateAsync(userId, roomId, "m.tag", tags =>
        {
            var updated = tags is null ? new JsonObject() : (JsonObject)tags.DeepClone();
            var names = updated["tags"] as JsonObject ?? [];
            names[Tag] = new JsonObject();
            updated["tags"] = names;
            return updated;
        }, cancellationToken);
        return roomId;
    }
}
