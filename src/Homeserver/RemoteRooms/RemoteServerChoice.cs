using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>
/// Which servers to ask about a room this server is not in, in order, as Synapse picks them: the servers the client
/// named (via, or those an alias resolved to), then the server of whoever invited the user, then the servers of the
/// state the room was described with (an invite's or knock's stripped state), then the server in the room ID
/// (before v12). Never this server.
/// </summary>
public sealed class RemoteServerChoice(IDbContextFactory<HomeserverDbContext> dbs, EventStore events, HomeserverOptions options)
{
    /// <summary>At most this many servers are tried for one operation.</summary>
    public const int MaxCandidates = 10;

    public async Task<List<string>> CandidatesAsync(string roomId, string userId, IEnumerable<string> given, CancellationToken cancellationToken)
    {
        var candidates = new List<string>(given);
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            var membership = await db.RoomMemberships.AsNoTracking().Where(m => m.RoomId == roomId && m.UserId == userId)
                .Select(m => new { m.Membership, m.EventId, m.Sender }).FirstOrDefaultAsync(cancellationToken);
            if (membership is { Membership: Memberships.Invite or Memberships.Knock })
            {
                candidates.Add(RequestIds.ServerOf(membership.Sender));
                if (await events.GetAsync(db, membership.EventId, cancellationToken) is { } own) candidates.AddRange(StrippedStateServers(own));
            }
        }

        if (RoomId.TryParse(roomId, out var id, out _) && id.Server is { } creator) candidates.Add(creator.Value);
        return [.. candidates.Where(s => s != options.ServerName && ServerName.TryParse(s, out _, out _)).Distinct(StringComparer.Ordinal).Take(MaxCandidates)];
    }

    /// <summary>The servers of the senders of the stripped state an out-of-band membership carries.</summary>
    private static IEnumerable<string> StrippedStateServers(Pdu membership)
    {
        var unsigned = membership.Json[PduKeys.Unsigned] as JsonObject;
        var stripped = (unsigned?["invite_room_state"] ?? unsigned?["knock_room_state"]) as JsonArray ?? [];
        foreach (var entry in stripped.OfType<JsonObject>())
        {
            if (entry["sender"] is JsonValue v && v.TryGetValue(out string? sender) && UserId.TryParse(sender, out var user, out _)) yield return user.Server.Value;
        }
    }
}
