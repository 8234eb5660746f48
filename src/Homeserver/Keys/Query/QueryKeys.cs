using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys.Remote;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.Keys.Query;

/// <summary>POST /keys/query: {user ID: [device IDs]} (empty list = all devices), with an optional timeout in ms for remote servers.</summary>
public sealed record QueryKeysCommand(Requester Requester, JsonObject DeviceKeys, TimeSpan Timeout) : IQuery<JsonObject>;

public sealed class QueryKeysHandler(HomeserverDbContext db, IRemoteKeys remote, HomeserverOptions options) : IQueryHandler<QueryKeysCommand, JsonObject>
{
    public const int MaxUsers = 1000;
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public async ValueTask<JsonObject> Handle(QueryKeysCommand query, CancellationToken cancellationToken)
    {
        if (query.DeviceKeys.Count > MaxUsers) throw MatrixException.TooLarge($"At most {MaxUsers} users per query");
        var (local, remoteUsers) = RemoteUsers.Split(query.DeviceKeys, options.ServerName);
        var wanted = local.ToDictionary(u => u.Key, u => (IReadOnlyList<string>)Strings(u.Value), StringComparer.Ordinal);

        var deviceKeys = new JsonObject();
        var (masters, selfSigning, userSigning) = (new JsonObject(), new JsonObject(), new JsonObject());
        foreach (var (userId, devices) in await KeyReader.DeviceKeysAsync(db, wanted, cancellationToken)) deviceKeys[userId] = devices;
        foreach (var (userId, set) in await KeyReader.CrossSigningKeysAsync(db, wanted.Keys.ToList(), query.Requester.UserId, cancellationToken))
        {
            if (set.Master is not null) masters[userId] = set.Master;
            if (set.SelfSigning is not null) selfSigning[userId] = set.SelfSigning;
            if (set.UserSigning is not null) userSigning[userId] = set.UserSigning;
        }

        var (answers, failures) = await RemoteUsers.AskAsync(remoteUsers, (server, users) => remote.QueryAsync(server, users, query.Timeout, cancellationToken));
        foreach (var (server, answer) in answers)
        {
            CopyUsersOf(server, answer["device_keys"], deviceKeys);
            CopyUsersOf(server, answer["master_keys"], masters);
            CopyUsersOf(server, answer["self_signing_keys"], selfSigning);
        }

        return new JsonObject
        {
            ["device_keys"] = deviceKeys,
            ["master_keys"] = masters,
            ["self_signing_keys"] = selfSigning,
            ["user_signing_keys"] = userSigning,
            ["failures"] = failures,
        };
    }

    private static List<string> Strings(JsonNode? node) => node switch
    {
        null => [],
        JsonArray a when a.All(d => KeyJson.StringValue(d) is not null) => a.Select(d => d!.GetValue<string>()).ToList(),
        _ => throw MatrixException.BadJson("device_keys values must be lists of device IDs"),
    };

    /// <summary>A server answers only for its own users; anything else in its answer is dropped.</summary>
    private static void CopyUsersOf(string server, JsonNode? from, JsonObject to)
    {
        if (from is not JsonObject source) return;
        foreach (var (userId, value) in source)
        {
            if (value is JsonObject && UserIds.TryParse(userId, out _, out var userServer) && userServer == server) to[userId] = value.DeepClone();
        }
    }
}
