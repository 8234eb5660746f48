using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Extensions;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// Third-party lookups (/thirdparty/*) answered by the ASes that bridge the protocol (spec: "Third-party networks").
/// Protocol metadata from several ASes is merged: the first answer's fields, every AS's instances, each instance
/// tagged with instance_id "appservice ID|network ID" (what /publicRooms' third_party_instance_id names). Lookups
/// concatenate the ASes' results; an AS that fails or answers something else than a list adds nothing.
/// </summary>
public sealed class AppServiceThirdParty(AppServiceRegistry registry, AppServiceClient client, ILogger<AppServiceThirdParty> logger)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Query parameters that belong to our authentication, never passed on.</summary>
    private static readonly HashSet<string> Private = new(StringComparer.Ordinal) { "access_token", "user_id", "device_id", "org.matrix.msc3202.device_id" };

    /// <summary>Every protocol some AS declares and answers for.</summary>
    public async Task<JsonObject> ProtocolsAsync(CancellationToken cancellationToken)
    {
        var result = new JsonObject();
        foreach (var protocol in registry.All.Where(a => a.Url is not null).SelectMany(a => a.Protocols).Distinct(StringComparer.Ordinal))
        {
            if (await ProtocolAsync(protocol, cancellationToken) is { } info) result[protocol] = info;
        }

        return result;
    }

    /// <summary>The protocol's metadata, or null when no AS declares it or none answered.</summary>
    public async Task<JsonObject?> ProtocolAsync(string protocol, CancellationToken cancellationToken)
    {
        JsonObject? merged = null;
        foreach (var appService in registry.ForProtocol(protocol))
        {
            if (await AskAsync(appService, $"/_matrix/app/v1/thirdparty/protocol/{Uri.EscapeDataString(protocol)}", cancellationToken) is not JsonObject info) continue;
            var instances = (info["instances"] as JsonArray ?? []).OfType<JsonObject>().Select(i => (JsonObject)i.DeepClone()).ToList();
            foreach (var instance in instances)
            {
                if (instance["network_id"] is JsonValue network && network.TryGetValue<string>(out var networkId)) instance["instance_id"] = $"{appService.Id}|{networkId}";
            }

            if (merged is null)
            {
                merged = (JsonObject)info.DeepClone();
                merged["instances"] = new JsonArray([.. instances]);
            }
            else
            {
                var all = merged["instances"] as JsonArray ?? [];
                foreach (var instance in instances) all.Add(instance);
                merged["instances"] = all;
            }
        }

        return merged;
    }

    /// <summary>Whether some AS (with a URL) declares the protocol.</summary>
    public bool IsKnown(string protocol) => registry.ForProtocol(protocol).Any();

    /// <summary>
    /// Looks up locations or users (<paramref name="kind"/>), for one protocol or (null) over every AS that bridges any,
    /// passing the client's query on.
    /// </summary>
    public async Task<JsonArray> LookupAsync(string kind, string? protocol, IQueryCollection query, CancellationToken cancellationToken)
    {
        var path = $"/_matrix/app/v1/thirdparty/{kind}" + (protocol is null ? "" : "/" + Uri.EscapeDataString(protocol));
        var forwarded = new QueryBuilder(query.Where(q => !Private.Contains(q.Key)).SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))));
        var appServices = protocol is null ? registry.All.Where(a => a.Url is not null && a.Protocols.Count > 0) : registry.ForProtocol(protocol);
        var result = new JsonArray();
        foreach (var appService in appServices)
        {
            if (await AskAsync(appService, path + forwarded.ToQueryString(), cancellationToken) is not JsonArray found) continue;
            foreach (var item in found.OfType<JsonObject>()) result.Add(item.DeepClone());
        }

        return result;
    }

    private async Task<JsonNode?> AskAsync(AppServiceRegistration appService, string pathAndQuery, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetAsync(appService, pathAndQuery, cancellationToken, Timeout);
        }
        catch (AppServiceCallException e)
        {
            if (e.Status != 404) logger.LogInformation("Third-party lookup at application service {AppService} failed: {Reason}", appService.Id, e.Message);
            return null;
        }
    }
}
