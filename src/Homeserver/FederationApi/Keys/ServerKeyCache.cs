using System.Collections.Concurrent;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Transport.Client;
using Matrix.Federation.Transport.Keys;
using Matrix.Federation.Transport.Security;
using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.FederationApi.Keys;

/// <summary>
/// Remote servers' keys for every signature check (X-Matrix requests, events): memory, then the database, then
/// the network (trusted notaries first, as Synapse, then the server itself). A key known only with a validity
/// that ends too early is refetched. At most one fetch per server runs at a time, and <see cref="FetchSchedule"/>
/// spaces them, so neither unknown key IDs nor an unreachable server make us hammer anyone.
/// </summary>
public sealed class ServerKeyCache(
    LocalServerKeys local, ServerKeyStore store, ServerKeyFetcher fetcher, FederationDomainPolicy domains, HomeserverOptions options,
    TimeProvider time, ILogger<ServerKeyCache> logger) : IServerKeyLookup
{
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, ServerKey>> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _inFlight = new(StringComparer.Ordinal);
    private readonly FetchSchedule _schedule = new(time);

    public ValueTask<ServerKey?> FindKeyAsync(string serverName, SigningKeyId keyId, CancellationToken cancellationToken = default) =>
        FindKeyAsync(serverName, keyId, 0, cancellationToken);

    public async ValueTask<ServerKey?> FindKeyAsync(string serverName, SigningKeyId keyId, long minimumValidUntilTs, CancellationToken cancellationToken = default)
    {
        if (serverName == local.ServerName) return local.Find(keyId);
        var id = keyId.ToString();
        var known = (await GetKnownAsync(serverName, cancellationToken)).GetValueOrDefault(id);
        if (known is not null && known.ValidUntilTs >= minimumValidUntilTs) return known;

        await RefreshAsync(serverName, [id], minimumValidUntilTs, directOnly: false, cancellationToken);
        return (await GetKnownAsync(serverName, cancellationToken)).GetValueOrDefault(id) ?? known;
    }

    /// <summary>
    /// Fetches the server's keys unless it was fetched moments ago or is backed off; callers arriving meanwhile
    /// share the fetch. True when keys were fetched and stored.
    /// </summary>
    /// <param name="directOnly">Ask the server itself only (a notary answering for others does this).</param>
    /// <param name="unscheduled">
    /// Fetch even if the schedule says not yet: a notary query that names a minimum_valid_until_ts our keys do not
    /// reach asks for a fresh answer, as Synapse's notary fetches one (still one fetch per server at a time).
    /// </param>
    public Task<bool> RefreshAsync(string serverName, IReadOnlyCollection<string> keyIds, long minimumValidUntilTs, bool directOnly, CancellationToken cancellationToken,
        bool unscheduled = false)
    {
        if (serverName == local.ServerName || !domains.IsAllowed(serverName) || !options.Federation.Enabled) return Task.FromResult(false);
        // A fetch under way is joined even though the schedule would refuse a new one.
        if (_inFlight.TryGetValue(serverName, out var running)) return running.Value.WaitAsync(cancellationToken);
        if (!unscheduled && !_schedule.MayFetch(serverName)) return Task.FromResult(false);

        var lazy = _inFlight.GetOrAdd(serverName, name => new Lazy<Task<bool>>(() => FetchAndStoreAsync(name, keyIds, minimumValidUntilTs, directOnly)));
        return lazy.Value.WaitAsync(cancellationToken);
    }

    /// <summary>The stored rows of a server (for notary answers).</summary>
    public Task<List<Storage.Entities.RemoteServerKey>> LoadStoredAsync(string serverName, CancellationToken cancellationToken) =>
        store.LoadAsync(serverName, cancellationToken);

    private async Task<bool> FetchAndStoreAsync(string serverName, IReadOnlyCollection<string> keyIds, long minimumValidUntilTs, bool directOnly)
    {
        try
        {
            // The fetch outlives any one caller: it is shared, and its result is worth keeping.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var fetched = await FetchAsync(serverName, keyIds, minimumValidUntilTs, directOnly, timeout.Token);
            if (fetched.Count == 0)
            {
                _schedule.Failed(serverName);
                return false;
            }

            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (var (response, from) in fetched) await store.SaveAsync(response, from, now, timeout.Token);
            // Cleared, then set from the saved rows: a reader that loaded them before this save must not keep its stale copy.
            _known.TryRemove(serverName, out _);
            _known[serverName] = await LoadKnownAsync(serverName, timeout.Token);
            // Only now: a caller the schedule turns away must find the fresh keys in memory.
            _schedule.Succeeded(serverName);
            return true;
        }
        finally
        {
            _inFlight.TryRemove(serverName, out _);
        }
    }

    private async Task<List<(ServerKeysResponse Response, string From)>> FetchAsync(
        string serverName, IReadOnlyCollection<string> keyIds, long minimumValidUntilTs, bool directOnly, CancellationToken cancellationToken)
    {
        var fetched = new List<(ServerKeysResponse, string)>();
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!directOnly)
        {
            foreach (var notary in options.Federation.TrustedKeyServers)
            {
                try
                {
                    var answers = await fetcher.FetchFromNotaryAsync(notary, serverName, keyIds, minimumValidUntilTs, cancellationToken);
                    fetched.AddRange(answers.Select(a => (a, notary.ServerName)));
                    if (Satisfies(answers, keyIds, minimumValidUntilTs, nowMs)) return fetched;
                }
                catch (FederationException e)
                {
                    logger.LogInformation("Notary {Notary} could not give the keys of {Server}: {Reason}", notary.ServerName, serverName, e.Message);
                }
            }
        }

        try
        {
            fetched.Add((await fetcher.FetchDirectAsync(serverName, cancellationToken), serverName));
        }
        catch (Exception e) when (e is FederationException or ServerKeysException)
        {
            logger.LogInformation("Could not fetch the keys of {Server}: {Reason}", serverName, e.Message);
        }

        return fetched;
    }

    private static bool Satisfies(List<ServerKeysResponse> answers, IReadOnlyCollection<string> keyIds, long minimumValidUntilTs, long nowMs) =>
        keyIds.All(id => answers.Any(a => a.Keys.Any(k => k.Id.ToString() == id && ServerKeysResponse.EffectiveValidUntil(k, nowMs) >= minimumValidUntilTs)));

    private async Task<IReadOnlyDictionary<string, ServerKey>> GetKnownAsync(string serverName, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue(serverName, out var known)) return known;
        // Added only when absent, so a fetch's fresh copy stored meanwhile wins over this possibly older read.
        return _known.GetOrAdd(serverName, await LoadKnownAsync(serverName, cancellationToken));
    }

    private async Task<IReadOnlyDictionary<string, ServerKey>> LoadKnownAsync(string serverName, CancellationToken cancellationToken)
    {
        var rows = await store.LoadAsync(serverName, cancellationToken);
        return rows.Where(r => VerifyKey.TryFromBase64(r.PublicKey, out _))
            .ToDictionary(r => r.KeyId, r => new ServerKey(VerifyKey.FromBase64(r.PublicKey), r.ValidUntilTs));
    }
}
