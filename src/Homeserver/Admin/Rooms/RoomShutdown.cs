using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Membership;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Rooms;

/// <summary>What a shutdown did, in Synapse's shape.</summary>
public sealed record ShutdownResult(IReadOnlyList<string> KickedUsers, IReadOnlyList<string> FailedToKickUsers, IReadOnlyList<string> LocalAliases)
{
    public JsonObject ToJson() => new()
    {
        ["kicked_users"] = Strings(KickedUsers),
        ["failed_to_kick_users"] = Strings(FailedToKickUsers),
        ["local_aliases"] = Strings(LocalAliases),
        ["new_room_id"] = null,
    };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)v).ToArray());
}

/// <summary>
/// Takes a room off this server, as Synapse's room shutdown: optionally blocks it first (so nobody
/// comes back meanwhile), removes it from the directory, deletes its local aliases, and makes every
/// local member, invitee and knocker leave through the membership service (their own leave, so no
/// power level is needed), then forgets it for them.
/// </summary>
public sealed class RoomShutdown(IDbContextFactory<HomeserverDbContext> dbFactory, RoomMembershipService membership, HomeserverOptions options,
    RoomBlocks blocks, TimeProvider clock, ILogger<RoomShutdown> logger)
{
    public async Task<ShutdownResult> ShutdownAsync(string roomId, string admin, bool block, CancellationToken cancellationToken)
    {
        List<string> aliases;
        List<string> users;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (block) await blocks.SetAsync(db, roomId, true, admin, clock.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
            await db.Rooms.Where(r => r.RoomId == roomId).ExecuteUpdateAsync(s => s.SetProperty(r => r.IsPublic, false), cancellationToken);
            var roomAliases = db.Set<RoomAliasMapping>().Where(a => a.RoomId == roomId);
            aliases = await roomAliases.Select(a => a.Alias).OrderBy(a => a).ToListAsync(cancellationToken);
            await roomAliases.ExecuteDeleteAsync(cancellationToken);

            users = await LocalMemberships.In(db, roomId, options.ServerName)
                .Where(m => m.Membership == Memberships.Join || m.Membership == Memberships.Invite || m.Membership == Memberships.Knock)
                .OrderBy(m => m.UserId).Select(m => m.UserId).ToListAsync(cancellationToken);
        }

        var kicked = new List<string>();
        var failed = new List<string>();
        foreach (var user in users)
        {
            try
            {
                await membership.ApplyAsync(new MembershipChange(roomId, user, user, MembershipAction.Leave), cancellationToken);
                await membership.ForgetAsync(roomId, user, cancellationToken);
                kicked.Add(user);
            }
            catch (MatrixException e)
            {
                logger.LogWarning("Shutting down {RoomId}: {UserId} could not leave: {Error}", roomId, user, e.Message);
                failed.Add(user);
            }
        }

        return new ShutdownResult(kicked, failed, aliases);
    }
}
