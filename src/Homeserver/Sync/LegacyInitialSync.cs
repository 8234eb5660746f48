using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Sync.Presence;
using Matrix.Homeserver.Sync.Receipts;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync;

/// <summary>
/// GET /initialSync, the snapshot /sync replaced (deprecated in r0, still called by older clients and SyTest): each room
/// the user is in (and with <c>archived=true</c> has left) as GET /rooms/{roomId}/initialSync gives it, each invite with
/// its invite event, the user's account data, the joined rooms' receipts and the presence of the users sharing those
/// rooms, and <c>end</c>, the position to read GET /events from.
/// </summary>
public static class LegacyInitialSync
{
    public static IEndpointRouteBuilder MapLegacyInitialSyncApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_matrix/client/v3/initialSync", async (Requester requester, string? limit, string? archived, IMediator mediator, CancellationToken ct) =>
            Results.Json(await mediator.Send(new GetInitialSync(requester, QueryParameters.ParseLimit(limit, 10, Events.EventsApi.MaxPageSize), archived switch
            {
                null or "false" => false,
                "true" => true,
                _ => throw MatrixException.InvalidParam("archived must be true or false"),
            }), ct)));
        return app;
    }
}

public sealed record GetInitialSync(Requester Requester, int Limit, bool Archived) : IQuery<JsonObject>;

public sealed class GetInitialSyncHandler(HomeserverDbContext db, IMediator mediator, AccountDataService accountData, PresenceService presence,
    ClientEventLoader loader, StreamIdGenerator streams, EphemeralSerial serial) : IQueryHandler<GetInitialSync, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetInitialSync query, CancellationToken cancellationToken)
    {
        // Read first: whatever commits while the snapshot is taken comes again from GET /events, not never.
        var end = new SyncToken(streams.Current, serial.Current);
        var userId = query.Requester.UserId;
        // The snapshot starts a legacy client's event stream, as a /sync does: an offline user comes online (and sees
        // it in the snapshot's presence); the idle and offline timeouts apply from here.
        presence.SyncStarted(userId, PresenceState.Online).Dispose();
        string[] shown = query.Archived ? [Memberships.Join, Memberships.Invite, Memberships.Leave, Memberships.Ban] : [Memberships.Join, Memberships.Invite];
        var memberships = await db.RoomMemberships.AsNoTracking()
            .Where(m => m.UserId == userId && shown.Contains(m.Membership) && !m.Forgotten)
            .Select(m => new { m.RoomId, m.Membership, m.EventId }).ToListAsync(cancellationToken);

        var result = new JsonArray();
        var sharing = new HashSet<string>(StringComparer.Ordinal) { userId };
        // Spec "Invite permission": while the user blocks invites, the invites they hold are not served.
        var invitesBlocked = memberships.Any(m => m.Membership == Memberships.Invite) && await InvitePermission.BlocksInvitesAsync(db, userId, cancellationToken);
        foreach (var membership in memberships)
        {
            if (membership.Membership == Memberships.Invite)
            {
                if (invitesBlocked) continue;
                var invite = await loader.LoadAsync(db, [membership.EventId], query.Requester, cancellationToken);
                var room = new JsonObject { ["room_id"] = membership.RoomId, ["membership"] = Memberships.Invite };
                if (invite.Count > 0) room["invite"] = LegacyEventFormat.ToV1(invite[0]);
                result.Add(room);
                continue;
            }

            var snapshot = await mediator.Send(new GetRoomInitialSync(query.Requester, membership.RoomId, query.Limit), cancellationToken);
            foreach (var p in snapshot["presence"]!.AsArray()) sharing.Add(p!["sender"]!.GetValue<string>());
            snapshot.Remove("presence");
            result.Add(snapshot);
        }

        var global = await accountData.GetAllAsync(userId, null, cancellationToken);
        // The joined rooms' receipts, one m.receipt event each with its room_id (Synapse's top-level list).
        var joined = memberships.Where(m => m.Membership == Memberships.Join).Select(m => m.RoomId).ToList();
        var receipts = await ReceiptReader.ReadAsync(db, userId, joined, new HashSet<string>(), since: null, end.Position, cancellationToken);
        return new JsonObject
        {
            ["end"] = end.ToString(),
            ["rooms"] = result,
            ["receipts"] = new JsonArray([.. receipts.Select(r => { r.Value["room_id"] = r.Key; return (JsonNode)r.Value; })]),
            ["presence"] = new JsonArray([.. presence.EventsOf(sharing)]),
            ["account_data"] = new JsonArray([.. global.Select(e => e.ToJson())]),
        };
    }
}
