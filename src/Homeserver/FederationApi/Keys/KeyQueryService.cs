using System.Text.Json.Nodes;
using Matrix.Federation.Transport.Security;
using Matrix.Homeserver.Storage.Entities;

namespace Matrix.Homeserver.FederationApi.Keys;

/// <summary>What a notary query asks of one server.</summary>
/// <param name="KeyIds">Key ID → minimum_valid_until_ts (null: none given). Empty: all keys.</param>
/// <param name="MinimumForAll">With no key IDs, the minimum_valid_until_ts of the GET form.</param>
public sealed record ServerKeyCriteria(IReadOnlyDictionary<string, long?> KeyIds, long? MinimumForAll = null)
{
    public static readonly ServerKeyCriteria AllKeys = new(new Dictionary<string, long?>());
}

/// <summary>
/// Notary answers (POST /_matrix/key/v2/query and GET /_matrix/key/v2/query/{serverName}): the keys objects we
/// hold for each server, fetched from the server itself when missing or too old, each signed by its server and
/// by us. Freshness follows Synapse: a minimum_valid_until_ts asks for a valid_until_ts at least that late;
/// without one, an object is refetched once half its lifetime has passed. A fetch asked for with a minimum is made
/// whenever the keys held fall short of it; if the server then gives nothing better (or nothing at all), the keys
/// held are the answer, expired or not, as Synapse's notary answers. Unreachable servers with nothing cached are
/// left out of the answer.
/// </summary>
public sealed class KeyQueryService(LocalServerKeys local, ServerKeyCache cache, FederationDomainPolicy domains, TimeProvider time)
{
    /// <summary>Servers per query, and key IDs per server: bounds the fetches one request can cause.</summary>
    public const int MaxServers = 100;
    public const int MaxKeyIdsPerServer = 100;

    public async Task<JsonObject> QueryAsync(IReadOnlyDictionary<string, ServerKeyCriteria> query, CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(query.Select(q => AnswerForServerAsync(q.Key, q.Value, cancellationToken)));
        var keys = new JsonArray();
        foreach (var json in answers.SelectMany(a => a))
        {
            local.Sign(json);
            keys.Add(json);
        }

        return new JsonObject { ["server_keys"] = keys };
    }

    private async Task<List<JsonObject>> AnswerForServerAsync(string serverName, ServerKeyCriteria criteria, CancellationToken cancellationToken)
    {
        if (serverName == local.ServerName) return [local.GetKeysObject()];

        var keyIds = criteria.KeyIds;
        // The latest minimum asked for; null when the query names none (an explicit one fetches whatever the schedule says).
        var minimum = keyIds.Values.Append(criteria.MinimumForAll).Max();
        var rows = await cache.LoadStoredAsync(serverName, cancellationToken);
        if (IsMiss(rows, criteria) && domains.IsAllowed(serverName)
            && await cache.RefreshAsync(serverName, [.. keyIds.Keys], minimum ?? 0, directOnly: true, cancellationToken, unscheduled: minimum is not null))
        {
            rows = await cache.LoadStoredAsync(serverName, cancellationToken);
        }

        var wanted = keyIds.Count == 0 ? rows : rows.Where(r => keyIds.ContainsKey(r.KeyId));
        return [.. wanted.Select(r => r.ResponseJson).Distinct(StringComparer.Ordinal).Select(j => (JsonObject)JsonNode.Parse(j)!)];
    }

    private bool IsMiss(List<RemoteServerKey> rows, ServerKeyCriteria criteria)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (criteria.KeyIds.Count == 0) return rows.Count == 0 || rows.All(r => IsStale(r, criteria.MinimumForAll, now));
        return criteria.KeyIds.Any(k => rows.FirstOrDefault(r => r.KeyId == k.Key) is not { } row || IsStale(row, k.Value, now));
    }

    private static bool IsStale(RemoteServerKey row, long? minimumValidUntilTs, long now) =>
        minimumValidUntilTs is { } minimum
            ? row.ResponseValidUntilTs < minimum
            : (row.FetchedTs + row.ResponseValidUntilTs) / 2 < now;
}
