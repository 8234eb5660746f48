using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Keys.Query;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.FederationApi.KeysEndpoints;

/// <summary>POST /_matrix/federation/v1/user/keys/query: {"device_keys": {user ID: [device IDs]}} (empty list = every device).</summary>
public sealed record QueryUserKeysQuery(JsonObject Body) : IQuery<JsonObject>;

/// <summary>Local users' device keys, master and self-signing keys (400 when a user is not ours).</summary>
public sealed class QueryUserKeysHandler(HomeserverDbContext db, HomeserverOptions options) : IQueryHandler<QueryUserKeysQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(QueryUserKeysQuery query, CancellationToken cancellationToken)
    {
        if (query.Body["device_keys"] is not JsonObject byUser) throw MatrixException.MissingParam("device_keys must be an object");
        if (byUser.Count > QueryKeysHandler.MaxUsers) throw MatrixException.TooLarge($"At most {QueryKeysHandler.MaxUsers} users per query");
        FederationKeyView.RequireLocal(byUser.Select(u => u.Key), options.ServerName);
        var wanted = byUser.ToDictionary(u => u.Key, u => (IReadOnlyList<string>)DeviceIds(u.Value), StringComparer.Ordinal);

        var deviceKeys = new JsonObject();
        foreach (var (userId, devices) in await FederationKeyView.DeviceKeysAsync(db, wanted, options.FederationKeys.AllowDeviceNameLookup, cancellationToken))
        {
            deviceKeys[userId] = devices;
        }

        var (masters, selfSigning) = (new JsonObject(), new JsonObject());
        foreach (var (userId, set) in await FederationKeyView.CrossSigningKeysAsync(db, wanted.Keys, cancellationToken))
        {
            if (set.Master is not null) masters[userId] = set.Master;
            if (set.SelfSigning is not null) selfSigning[userId] = set.SelfSigning;
        }

        return new JsonObject { ["device_keys"] = deviceKeys, ["master_keys"] = masters, ["self_signing_keys"] = selfSigning };
    }

    private static List<string> DeviceIds(JsonNode? node) => node switch
    {
        null => [],
        JsonArray a when a.All(d => KeyJson.StringValue(d) is not null) => [.. a.Select(d => d!.GetValue<string>())],
        _ => throw MatrixException.BadJson("device_keys values must be lists of device IDs"),
    };
}
