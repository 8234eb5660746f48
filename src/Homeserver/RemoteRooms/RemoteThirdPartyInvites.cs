using System.Text.Json.Nodes;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>PUT /exchange_third_party_invite/{roomId} to the inviter's server: it makes (or refuses) the member invite.</summary>
public sealed class RemoteThirdPartyInvites(FederationClient client, ILogger<RemoteThirdPartyInvites> logger)
{
    public async Task ExchangeAsync(string server, string roomId, JsonObject invite, CancellationToken cancellationToken)
    {
        try
        {
            await client.PutJsonAsync(server, "/_matrix/federation/v1/exchange_third_party_invite/" + FederationPath.Segment(roomId), invite,
                cancellationToken: cancellationToken);
        }
        catch (FederationHttpException e)
        {
            logger.LogInformation("{Server} refused a third-party invite exchange in {RoomId}: {Status} {ErrCode}", server, roomId, e.StatusCode, e.ErrCode);
            throw ServerAttempts.ForClient(e);
        }
        catch (FederationException e)
        {
            logger.LogInformation("Could not exchange a third-party invite with {Server}: {Reason}", server, e.Message);
            throw new MatrixException(502, ErrorCodes.Unknown, $"Could not reach {server}, the inviter's server");
        }
    }
}
