using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Federation.Identifiers;
using Matrix.Homeserver.FederationApi.Hosting;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.FederationApi.Keys;

/// <summary>/_matrix/key/v2: our keys, and the notary queries (each also in its deprecated form with a key ID). Not authenticated (keys carry their own signatures).</summary>
public static class KeysApi
{
    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapFederationGroup("/_matrix/key/v2").AllowUnauthenticated();
        keys.MapGet("/server", (LocalServerKeys local) => Results.Json(local.GetKeysObject()));
        // The deprecated form with a key ID, which Synapse still serves and older servers (and SyTest) still ask: the
        // same document, every key in it.
        keys.MapGet("/server/{keyId}", (string keyId, LocalServerKeys local) => Results.Json(local.GetKeysObject()));
        keys.MapPost("/query", QueryAsync);
        keys.MapGet("/query/{serverName}", (string serverName, HttpRequest request, KeyQueryService notary) => QueryOneAsync(serverName, null, request, notary));
        keys.MapGet("/query/{serverName}/{keyId}", (string serverName, string keyId, HttpRequest request, KeyQueryService notary) =>
            QueryOneAsync(serverName, keyId, request, notary));
        return app;
    }

    private static async Task<IResult> QueryAsync(HttpRequest request, KeyQueryService notary)
    {
        var body = await JsonBody.ReadObjectAsync(request);
        var query = ParseQuery(body);
        return Results.Json(await notary.QueryAsync(query, request.HttpContext.RequestAborted));
    }

    /// <param name="keyId">The deprecated form's key ID (that key's freshness is asked), or null for all keys.</param>
    private static async Task<IResult> QueryOneAsync(string serverName, string? keyId, HttpRequest request, KeyQueryService notary)
    {
        if (!ServerName.IsValid(serverName)) throw MatrixException.InvalidParam("serverName is not a server name");
        long? minimum = null;
        if (request.Query.TryGetValue("minimum_valid_until_ts", out var values))
        {
            minimum = long.TryParse(values.ToString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var ts)
                ? ts
                : throw MatrixException.InvalidParam("minimum_valid_until_ts must be an integer");
        }

        // Without a key ID: all keys, with the requested freshness.
        var criteria = keyId is null ? ServerKeyCriteria.AllKeys with { MinimumForAll = minimum }
            : new ServerKeyCriteria(new Dictionary<string, long?>(StringComparer.Ordinal) { [keyId] = minimum });
        var query = new Dictionary<string, ServerKeyCriteria> { [serverName] = criteria };
        return Results.Json(await notary.QueryAsync(query, request.HttpContext.RequestAborted));
    }

    private static Dictionary<string, ServerKeyCriteria> ParseQuery(JsonObject body)
    {
        if (!body.TryGetPropertyValue("server_keys", out var serverKeys) || serverKeys is null) throw MatrixException.MissingParam("server_keys is required");
        if (serverKeys is not JsonObject servers) throw MatrixException.BadJson("server_keys must be an object");
        if (servers.Count > KeyQueryService.MaxServers) throw MatrixException.InvalidParam($"at most {KeyQueryService.MaxServers} servers per query");

        var query = new Dictionary<string, ServerKeyCriteria>(StringComparer.Ordinal);
        foreach (var (server, criteria) in servers)
        {
            if (!ServerName.IsValid(server)) throw MatrixException.InvalidParam($"'{server}' is not a server name");
            if (criteria is not JsonObject byKey) throw MatrixException.BadJson($"server_keys.{server} must be an object");
            if (byKey.Count > KeyQueryService.MaxKeyIdsPerServer) throw MatrixException.InvalidParam($"at most {KeyQueryService.MaxKeyIdsPerServer} key IDs per server");
            var keys = new Dictionary<string, long?>(StringComparer.Ordinal);
            foreach (var (keyId, keyCriteria) in byKey)
            {
                if (keyCriteria is not JsonObject c) throw MatrixException.BadJson($"server_keys.{server}.{keyId} must be an object");
                keys[keyId] = c["minimum_valid_until_ts"] switch
                {
                    null => null,
                    JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long ts) => ts,
                    _ => throw MatrixException.BadJson("minimum_valid_until_ts must be an integer"),
                };
            }

            query[server] = new ServerKeyCriteria(keys);
        }

        return query;
    }
}
