using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Rooms;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>
/// A local user joins a room this server is not in (spec: "Joining Rooms"): make_join (v1) at a resident server,
/// our join built from its template, send_join (v2, or v1 for a server without it), the answer verified and persisted
/// (<see cref="SendJoinAnswer"/>); on failure the next server is tried (<see cref="ServerAttempts"/>). One remote
/// join per room at a time, so two users joining at once do not both take in the room's state.
/// </summary>
public sealed class RemoteJoins(
    MembershipHandshake handshake, SendJoinAnswer answers, FederationClient client, RemoteServerChoice choice, HomeserverOptions options, ILogger<RemoteJoins> logger)
{
    private readonly RoomLocks _joining = new();
    private readonly FederationCallOptions _sendJoinCall = new(
        TimeSpan.FromSeconds(options.FederationMembership.JoinTimeoutSeconds), options.FederationMembership.MaxJoinResponseMegabytes * 1024 * 1024);

    /// <summary>Joins through <paramref name="servers"/> (and, for an invite, the inviter's server); returns the join event's ID.</summary>
    public async Task<string> JoinAsync(string roomId, string userId, IReadOnlyList<string> servers, JsonObject content, CancellationToken cancellationToken)
    {
        using var joining = await _joining.AcquireAsync(roomId, cancellationToken);
        var candidates = await choice.CandidatesAsync(roomId, userId, servers, cancellationToken);
        var join = await ServerAttempts.TryEachAsync(candidates, "join the room", logger, async server =>
        {
            var ours = await handshake.MakeAsync(server, roomId, userId, Memberships.Join, content, cancellationToken);
            var answer = await MembershipEndpoints.PutAsync(
                client, server, "send_join", roomId, ours.Pdu.EventId, ours.Pdu.Json, ours.Pdu.Json, _sendJoinCall, cancellationToken);
            return await answers.PersistAsync(server, ours, answer, cancellationToken);
        });
        logger.LogInformation("Joined {RoomId} over federation", roomId);
        return join.EventId;
    }
}
