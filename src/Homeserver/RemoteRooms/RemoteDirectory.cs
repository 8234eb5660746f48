using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Directory;
using Matrix.Homeserver.Rooms.Remote;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>Other servers' room directories: their aliases (GET /query/directory) and published rooms (/publicRooms).</summary>
public sealed class RemoteDirectory(FederationClient client, ILogger<RemoteDirectory> logger)
{
    /// <summary>At most this many servers of an alias answer are kept.</summary>
    public const int MaxServers = 20;

    /// <summary>The room and servers the alias's server gives; null when it does not know the alias; 502 when it cannot be asked.</summary>
    public async Task<ResolvedAlias?> ResolveAliasAsync(RoomAlias alias, CancellationToken cancellationToken)
    {
        var server = alias.Server.Value;
        var path = FederationPath.WithQuery("/_matrix/federation/v1/query/directory", [new("room_alias", alias.Value)]);
        JsonObject answer;
        try
        {
            answer = await client.GetJsonAsync(server, path, cancellationToken: cancellationToken);
        }
        catch (FederationHttpException e) when (e.StatusCode == 404)
        {
            return null;
        }
        catch (FederationException e)
        {
            logger.LogInformation("Could not resolve {Alias}: {Reason}", alias.Value, e.Message);
            throw new MatrixException(502, ErrorCodes.Unknown, $"Failed to ask {server} about {alias.Value}");
        }

        var roomId = answer["room_id"] is JsonValue v && v.TryGetValue(out string? id) && RoomId.TryParse(id, out _, out _) ? id : null;
        if (roomId is null) throw new MatrixException(502, ErrorCodes.Unknown, $"{server} gave no room for {alias.Value}");
        var servers = (answer["servers"] as JsonArray ?? []).OfType<JsonValue>()
            .Select(s => s.TryGetValue(out string? name) && ServerName.TryParse(name, out _, out _) ? name : null).OfType<string>()
            .Prepend(server).Distinct(StringComparer.Ordinal).Take(MaxServers).ToList();
        return new ResolvedAlias(roomId, servers);
    }

    /// <summary>
    /// The server's published rooms: GET /publicRooms for a plain page, POST when the client filters or asks about
    /// other networks. Its errors are the client's; 502 when it cannot be asked or answers no room list.
    /// </summary>
    public async Task<JsonObject> ListPublicRoomsAsync(string server, DirectoryApi.PublicRoomsBody request, CancellationToken cancellationToken)
    {
        const string path = "/_matrix/federation/v1/publicRooms";
        JsonObject answer;
        try
        {
            answer = request.Filter is null && request.IncludeAllNetworks is null && request.ThirdPartyInstanceId is null
                ? await client.GetJsonAsync(server, FederationPath.WithQuery(path, [new("limit", request.Limit?.ToString(CultureInfo.InvariantCulture)), new("since", request.Since)]),
                    cancellationToken: cancellationToken)
                : await client.PostJsonAsync(server, path, PostBody(request), cancellationToken: cancellationToken);
        }
        catch (FederationHttpException e)
        {
            throw ServerAttempts.ForClient(e);
        }
        catch (FederationException e)
        {
            logger.LogInformation("Could not list the public rooms of {Server}: {Reason}", server, e.Message);
            throw new MatrixException(502, ErrorCodes.Unknown, $"Failed to ask {server} for its public rooms");
        }

        return answer["chunk"] is JsonArray ? answer : throw new MatrixException(502, ErrorCodes.Unknown, $"{server} gave no room list");
    }

    private static JsonObject PostBody(DirectoryApi.PublicRoomsBody request)
    {
        var body = new JsonObject();
        if (request.Limit is { } limit) body["limit"] = limit;
        if (request.Since is { } since) body["since"] = since;
        if (request.IncludeAllNetworks is { } all) body["include_all_networks"] = all;
        if (request.ThirdPartyInstanceId is { } instance) body["third_party_instance_id"] = instance;
        if (request.Filter is { } filter)
        {
            var json = new JsonObject();
            if (filter.GenericSearchTerm is { } term) json["generic_search_term"] = term;
            if (filter.RoomTypes is { } types) json["room_types"] = new JsonArray([.. types.Select(t => JsonValue.Create(t))]);
            body["filter"] = json;
        }

        return body;
    }
}
