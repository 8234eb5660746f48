using System.Text.Json.Nodes;
using Matrix.Federation.Transport.Keys;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Keys;

/// <summary>The remote_server_keys table: what we learned of other servers' keys, and the objects that told us.</summary>
public sealed class ServerKeyStore(IDbContextFactory<HomeserverDbContext> dbs)
{
    public async Task<List<RemoteServerKey>> LoadAsync(string serverName, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Set<RemoteServerKey>().AsNoTracking().Where(k => k.ServerName == serverName).ToListAsync(cancellationToken);
    }

    /// <summary>Records every key of a checked keys object; a newer answer replaces what an older one said of the same key.</summary>
    public async Task SaveAsync(ServerKeysResponse response, string fromServer, long fetchedTs, CancellationToken cancellationToken)
    {
        var json = OriginSignedOnly(response).ToJsonString();
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var existing = await db.Set<RemoteServerKey>().Where(k => k.ServerName == response.ServerName).ToDictionaryAsync(k => k.KeyId, cancellationToken);
        foreach (var key in response.Keys)
        {
            var id = key.Id.ToString();
            if (!existing.TryGetValue(id, out var row))
            {
                row = new RemoteServerKey { ServerName = response.ServerName, KeyId = id, PublicKey = "", FromServer = fromServer, ResponseJson = json };
                db.Add(row);
            }

            row.PublicKey = key.Key.Base64;
            row.IsOld = key.IsOld;
            row.ValidUntilTs = ServerKeysResponse.EffectiveValidUntil(key, fetchedTs);
            row.FetchedTs = fetchedTs;
            row.FromServer = fromServer;
            row.ResponseJson = json;
            row.ResponseValidUntilTs = response.ValidUntilTs;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    // A notary's signature is its word to us, not part of the origin's object we may relay later.
    private static JsonObject OriginSignedOnly(ServerKeysResponse response)
    {
        var json = (JsonObject)response.Json.DeepClone();
        var origin = json["signatures"]?[response.ServerName]?.DeepClone();
        json["signatures"] = new JsonObject { [response.ServerName] = origin };
        return json;
    }
}
