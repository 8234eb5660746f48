using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Transport.Client;
using Matrix.Federation.Transport.Keys;
using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.FederationApi.Keys;

/// <summary>Asks the network for a server's keys: the server itself, or a trusted notary.</summary>
public sealed class ServerKeyFetcher(FederationClient client, ILogger<ServerKeyFetcher> logger)
{
    // A keys object is small; a server that takes longer than this to give it is not going to.
    private static readonly FederationCallOptions CallOptions = new(Timeout: TimeSpan.FromSeconds(10), MaxResponseBytes: 1024 * 1024);

    /// <summary>GET /_matrix/key/v2/server from the server itself.</summary>
    /// <exception cref="FederationException"/>
    /// <exception cref="ServerKeysException"/>
    public async Task<ServerKeysResponse> FetchDirectAsync(string serverName, CancellationToken cancellationToken)
    {
        var json = await client.GetJsonAsync(serverName, "/_matrix/key/v2/server", CallOptions, cancellationToken);
        return ServerKeysResponse.Parse(json, serverName);
    }

    /// <summary>
    /// POST /_matrix/key/v2/query to a notary. Only answers about <paramref name="serverName"/> that the notary
    /// signed with one of its configured keys, and that the server itself signed, are returned.
    /// </summary>
    /// <exception cref="FederationException"/>
    public async Task<List<ServerKeysResponse>> FetchFromNotaryAsync(
        TrustedKeyServerOptions notary, string serverName, IEnumerable<string> keyIds, long minimumValidUntilTs, CancellationToken cancellationToken)
    {
        var criteria = new JsonObject();
        foreach (var keyId in keyIds) criteria[keyId] = new JsonObject { ["minimum_valid_until_ts"] = minimumValidUntilTs };
        var body = new JsonObject { ["server_keys"] = new JsonObject { [serverName] = criteria } };
        var answer = await client.PostJsonAsync(notary.ServerName, "/_matrix/key/v2/query", body, CallOptions, cancellationToken);

        var notaryKeys = notary.VerifyKeys.ToDictionary(k => SigningKeyId.TryParse(k.KeyId, out var id) ? id : default, k => VerifyKey.FromBase64(k.Key));
        var results = new List<ServerKeysResponse>();
        foreach (var item in answer["server_keys"] as JsonArray ?? [])
        {
            if (item is not JsonObject keys || keys["server_name"]?.GetValueKind() != System.Text.Json.JsonValueKind.String
                || keys["server_name"]!.GetValue<string>() != serverName) continue;
            if (JsonSigning.Verify(keys, notary.ServerName, id => notaryKeys.GetValueOrDefault(id), CanonicalJsonMode.Lenient) != SignatureStatus.Valid)
            {
                logger.LogWarning("Notary {Notary} sent keys of {Server} without a valid notary signature", notary.ServerName, serverName);
                continue;
            }

            try
            {
                results.Add(ServerKeysResponse.Parse(keys, serverName));
            }
            catch (ServerKeysException e)
            {
                logger.LogWarning("Notary {Notary} sent unusable keys of {Server}: {Reason}", notary.ServerName, serverName, e.Message);
            }
        }

        return results;
    }
}
