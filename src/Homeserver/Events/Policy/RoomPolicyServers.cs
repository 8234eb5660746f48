using Matrix.Federation.Events;
using Matrix.Federation.Policy;
using Matrix.Federation.Rooms;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationApi;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Policy;

/// <summary>
/// The Policy Server side of the pipeline (spec v1.18, "Policy Servers"): which rooms use one, asking it to sign an
/// event (our own before they are sent; a received one that lacks its signature, once more), and its refusal.
/// </summary>
public sealed class RoomPolicyServers(FederationClient client, RoomStateReader state, HomeserverOptions options, ILogger<RoomPolicyServers> logger)
{
    public static readonly StateKey PolicyKey = new(EventTypes.Policy, "");

    /// <summary>A Policy Server is asked for one signature for this long at most.</summary>
    private static readonly FederationCallOptions Call = new(Timeout: TimeSpan.FromSeconds(10), MaxResponseBytes: 64 * 1024);

    /// <summary>
    /// The room's Policy Server when it uses one: its current state holds a valid <c>m.room.policy</c> event
    /// (<paramref name="policy"/>) whose server has a joined member (spec: else the room uses none).
    /// </summary>
    public async Task<PolicyServer?> OfRoomAsync(HomeserverDbContext db, string roomId, Pdu? policy, CancellationToken cancellationToken)
    {
        if (PolicyServer.FromState(policy) is not { } server) return null;
        return await RoomServers.IsJoinedAsync(db, roomId, server.ServerName, cancellationToken) ? server : null;
    }

    /// <summary>
    /// A received event before the writer judges it: in a room using a Policy Server, the event with that server's
    /// signature (asked for once more when it lacks one, as the spec wants: its key may have rotated) and the Policy
    /// Server the writer checks it against (still unsigned, it is soft failed); otherwise the event as it came.
    /// </summary>
    public async Task<(Pdu Pdu, PolicyServer? Server)> PrepareReceivedAsync(HomeserverDbContext db, Pdu pdu, CancellationToken cancellationToken)
    {
        var policy = await state.GetStateEventAsync(db, pdu.RoomId, EventTypes.Policy, "", cancellationToken);
        if (await OfRoomAsync(db, pdu.RoomId, policy, cancellationToken) is not { } server) return (pdu, null);
        if (PolicyServer.IsExempt(pdu) || server.HasSigned(pdu)) return (pdu, server);
        try
        {
            return (await SignAsync(server, pdu, cancellationToken) ?? pdu, server);
        }
        catch (MatrixException)
        {
            // Refused: the writer soft fails it.
            return (pdu, server);
        }
    }

    /// <summary>
    /// Asks the Policy Server to sign <paramref name="pdu"/>: the event with its signature, or null when it could not
    /// be asked or gave no signature that verifies (the event then goes on unsigned, and is soft failed by whoever
    /// checks). A refusal (an error answer of the Policy Server's) is thrown as that error, for the client verbatim.
    /// We are not a Policy Server: a room naming us is not asked.
    /// </summary>
    /// <exception cref="MatrixException">The Policy Server refused to sign.</exception>
    public async Task<Pdu?> SignAsync(PolicyServer server, Pdu pdu, CancellationToken cancellationToken)
    {
        if (PolicyServer.IsExempt(pdu) || server.ServerName == options.ServerName) return null;
        try
        {
            var answer = await client.PostJsonAsync(server.ServerName, "/_matrix/policy/v1/sign", pdu.Json, Call, cancellationToken);
            var signed = server.WithSignature(pdu, answer);
            if (signed is null) logger.LogWarning("The Policy Server {Server} gave no valid signature for {EventId}", server.ServerName, pdu.EventId);
            return signed;
        }
        catch (FederationHttpException e) when (e.StatusCode is >= 400 and < 500 && !FederationClient.IsUnknownEndpoint(e))
        {
            logger.LogInformation("The Policy Server {Server} refused {EventId} in {RoomId}: {Status} {ErrCode}", server.ServerName, pdu.EventId,
                pdu.RoomId, e.StatusCode, e.ErrCode);
            throw new MatrixException(e.StatusCode, e.ErrCode ?? ErrorCodes.Forbidden, e.Error ?? "The room's Policy Server refused the event");
        }
        catch (FederationException e)
        {
            logger.LogWarning("The Policy Server {Server} could not be asked to sign {EventId}: {Reason}", server.ServerName, pdu.EventId, e.Message);
            return null;
        }
    }
}
