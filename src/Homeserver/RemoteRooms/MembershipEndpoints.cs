using System.Text.Json.Nodes;
using Matrix.Federation.Transport.Client;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>
/// The v2 membership endpoints (send_join, send_leave, invite) with Synapse's fallback to the deprecated v1 form when
/// a server does not know v2: same path under /v1, the answer wrapped as <c>[200, {...}]</c>.
/// </summary>
internal static class MembershipEndpoints
{
    /// <param name="v1Body">What v1 takes instead of <paramref name="v2Body"/>; null when v1 cannot carry this request.</param>
    public static async Task<JsonObject> PutAsync(
        FederationClient client, string server, string endpoint, string roomId, string eventId, JsonObject v2Body, JsonObject? v1Body,
        FederationCallOptions? call, CancellationToken cancellationToken)
    {
        var tail = $"/{endpoint}/{FederationPath.Segment(roomId)}/{FederationPath.Segment(eventId)}";
        try
        {
            return await client.PutJsonAsync(server, "/_matrix/federation/v2" + tail, v2Body, call, cancellationToken);
        }
        catch (FederationHttpException e) when (v1Body is not null && FederationClient.IsUnknownEndpoint(e))
        {
            return await client.PutJsonV1Async(server, "/_matrix/federation/v1" + tail, v1Body, call, cancellationToken);
        }
    }
}
