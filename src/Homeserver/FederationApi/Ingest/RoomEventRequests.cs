using System.Text.Json.Nodes;
using Matrix.Federation.Transport.Client;

namespace Matrix.Homeserver.FederationApi.Ingest;

/// <summary>
/// The federation requests that pull room events from another server. Answers are returned as received, never
/// trusted: every PDU in them still goes through <see cref="ReceivedPduChecks"/>. Lists longer than the caller's
/// bound are cut to it.
/// </summary>
public sealed class RoomEventRequests(FederationClient client)
{
    private const string Prefix = "/_matrix/federation/v1";

    /// <summary>GET /event/{eventId}: the event, or null when the server does not give one.</summary>
    /// <exception cref="FederationException"/>
    public async Task<JsonObject?> GetEventAsync(string destination, string eventId, CancellationToken cancellationToken)
    {
        var answer = await client.GetJsonAsync(destination, $"{Prefix}/event/{FederationPath.Segment(eventId)}", cancellationToken: cancellationToken);
        return Objects(answer["pdus"], 1).FirstOrDefault();
    }

    /// <summary>GET /event_auth/{roomId}/{eventId}: the auth chain of an event.</summary>
    /// <exception cref="FederationException"/>
    public async Task<List<JsonObject>> GetEventAuthAsync(string destination, string roomId, string eventId, int max, CancellationToken cancellationToken)
    {
        var path = $"{Prefix}/event_auth/{FederationPath.Segment(roomId)}/{FederationPath.Segment(eventId)}";
        return Objects((await client.GetJsonAsync(destination, path, cancellationToken: cancellationToken))["auth_chain"], max);
    }

    /// <summary>GET /state_ids/{roomId}?event_id: the IDs of the state before an event and of its auth chain.</summary>
    /// <exception cref="FederationException"/>
    public async Task<(List<string> StateIds, List<string> AuthChainIds)> GetStateIdsAsync(
        string destination, string roomId, string eventId, int max, CancellationToken cancellationToken)
    {
        var answer = await client.GetJsonAsync(destination, StatePath("state_ids", roomId, eventId), cancellationToken: cancellationToken);
        return (Strings(answer["pdu_ids"], max), Strings(answer["auth_chain_ids"], max));
    }

    /// <summary>GET /state/{roomId}?event_id: the state before an event and its auth chain, as PDUs.</summary>
    /// <exception cref="FederationException"/>
    public async Task<(List<JsonObject> State, List<JsonObject> AuthChain)> GetStateAsync(
        string destination, string roomId, string eventId, int max, CancellationToken cancellationToken)
    {
        var answer = await client.GetJsonAsync(destination, StatePath("state", roomId, eventId), cancellationToken: cancellationToken);
        return (Objects(answer["pdus"], max), Objects(answer["auth_chain"], max));
    }

    /// <summary>POST /get_missing_events/{roomId}: events between what we have and what we were sent.</summary>
    /// <exception cref="FederationException"/>
    public async Task<List<JsonObject>> GetMissingEventsAsync(string destination, string roomId, IEnumerable<string> earliest, IEnumerable<string> latest,
        int limit, long minDepth, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["limit"] = limit,
            ["min_depth"] = minDepth,
            ["earliest_events"] = new JsonArray([.. earliest.Select(id => (JsonNode)id)]),
            ["latest_events"] = new JsonArray([.. latest.Select(id => (JsonNode)id)]),
        };
        var answer = await client.PostJsonAsync(destination, $"{Prefix}/get_missing_events/{FederationPath.Segment(roomId)}", body, cancellationToken: cancellationToken);
        return Objects(answer["events"], limit);
    }

    /// <summary>GET /backfill/{roomId}?v=…&amp;limit: the given events and those before them.</summary>
    /// <exception cref="FederationException"/>
    public async Task<List<JsonObject>> BackfillAsync(string destination, string roomId, IEnumerable<string> from, int limit, CancellationToken cancellationToken)
    {
        var query = from.Select(id => new KeyValuePair<string, string?>("v", id)).Append(new("limit", limit.ToString()));
        var path = FederationPath.WithQuery($"{Prefix}/backfill/{FederationPath.Segment(roomId)}", query);
        return Objects((await client.GetJsonAsync(destination, path, cancellationToken: cancellationToken))["pdus"], limit);
    }

    private static string StatePath(string endpoint, string roomId, string eventId) =>
        FederationPath.WithQuery($"{Prefix}/{endpoint}/{FederationPath.Segment(roomId)}", [new("event_id", eventId)]);

    /// <summary>The objects of an answer's array, detached from it (each becomes a PDU's own JSON).</summary>
    private static List<JsonObject> Objects(JsonNode? array, int max)
    {
        if (array is not JsonArray items) return [];
        List<JsonObject> objects = [.. items.OfType<JsonObject>().Take(max)];
        items.Clear();
        return objects;
    }

    private static List<string> Strings(JsonNode? array, int max) =>
        array is JsonArray items
            ? [.. items.OfType<JsonValue>().Select(v => v.TryGetValue(out string? s) ? s : null).OfType<string>().Take(max)]
            : [];
}
