using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.FederationApi.Membership;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>
/// A local user knocks on a room this server is not in (spec: "Knocking upon a room"): make_knock and send_knock
/// (both v1), then the knock is our user's membership (out of band), carrying the knock_room_state the resident
/// server answered, checked and cut to the stripped shape, so sync can show the room in rooms.knock.
/// </summary>
public sealed class RemoteKnocks(
    MembershipHandshake handshake, FederationClient client, RemoteServerChoice choice, RoomEventWriter writer, StrippedRoomState strippedState,
    ILogger<RemoteKnocks> logger)
{
    public async Task<string> KnockAsync(string roomId, string userId, IReadOnlyList<string> servers, JsonObject content, CancellationToken cancellationToken)
    {
        var candidates = await choice.CandidatesAsync(roomId, userId, servers, cancellationToken);
        var knock = await ServerAttempts.TryEachAsync(candidates, "knock on the room", logger, async server =>
        {
            var ours = await handshake.MakeAsync(server, roomId, userId, Memberships.Knock, content, cancellationToken);
            var path = $"/_matrix/federation/v1/send_knock/{FederationPath.Segment(roomId)}/{FederationPath.Segment(ours.Pdu.EventId)}";
            var answer = await client.PutJsonAsync(server, path, ours.Pdu.Json, cancellationToken: cancellationToken);
            var roomState = await strippedState.CheckAsync(answer["knock_room_state"], ours.Version, roomId, cancellationToken);
            if (roomState.Problem is not null) logger.LogInformation("Left out some of the knock_room_state of {Server}: {Problem}", server, roomState.Problem);
            return (Event: ours, RoomState: roomState.Events);
        });

        await writer.EnsureRoomAsync(roomId, knock.Event.Version, cancellationToken);
        var json = (JsonObject)knock.Event.Pdu.Json.DeepClone();
        json[PduKeys.Unsigned] = new JsonObject { ["knock_room_state"] = knock.RoomState };
        var stored = Pdu.FromJson(json, knock.Event.Pdu.EventId, knock.Event.Version);
        await writer.PersistOutOfBandMembershipAsync(stored, cancellationToken);
        return stored.EventId;
    }
}
