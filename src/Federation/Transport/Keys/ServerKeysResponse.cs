using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;

namespace Matrix.Federation.Transport.Keys;

/// <summary>A /_matrix/key/v2/server answer that is malformed, for another server, or not signed by its server.</summary>
public sealed class ServerKeysException(string message) : Exception(message);

/// <summary>One key of a server keys object.</summary>
/// <param name="ValidUntilTs">For a current key the response's valid_until_ts (uncapped); for an old key its expired_ts.</param>
public sealed record PublishedKey(SigningKeyId Id, VerifyKey Key, long ValidUntilTs, bool IsOld);

/// <summary>
/// A server keys object (server-server API "Publishing Keys"), parsed and checked: it names the expected server,
/// lists Ed25519 verify keys and a valid_until_ts, and carries a valid signature by one of its own verify keys.
/// </summary>
public sealed class ServerKeysResponse
{
    /// <summary>Spec (room v5+): a key is never trusted more than 7 days past the time it was fetched.</summary>
    public static readonly long MaxValidityMs = (long)TimeSpan.FromDays(7).TotalMilliseconds;

    private ServerKeysResponse(string serverName, long validUntilTs, IReadOnlyList<PublishedKey> keys, JsonObject json)
    {
        ServerName = serverName;
        ValidUntilTs = validUntilTs;
        Keys = keys;
        Json = json;
    }

    public string ServerName { get; }

    /// <summary>valid_until_ts as published.</summary>
    public long ValidUntilTs { get; }

    public IReadOnlyList<PublishedKey> Keys { get; }

    /// <summary>The object as received, signatures included.</summary>
    public JsonObject Json { get; }

    /// <summary>Until when a key of this response may be used, counting from when it was fetched.</summary>
    public static long EffectiveValidUntil(PublishedKey key, long fetchedTs) =>
        key.IsOld ? key.ValidUntilTs : Math.Min(key.ValidUntilTs, fetchedTs + MaxValidityMs);

    /// <exception cref="ServerKeysException"/>
    public static ServerKeysResponse Parse(JsonObject json, string? expectedServer)
    {
        var serverName = Text(json, "server_name") ?? throw new ServerKeysException("server_name is missing");
        if (!Matrix.Federation.Identifiers.ServerName.IsValid(serverName)) throw new ServerKeysException("server_name is not a server name");
        if (expectedServer is not null && serverName != expectedServer) throw new ServerKeysException($"answer is for {serverName}, not {expectedServer}");
        if (json["valid_until_ts"] is not JsonValue v || !v.TryGetValue(out long validUntil)) throw new ServerKeysException("valid_until_ts is missing");

        var current = ReadKeys(json["verify_keys"] as JsonObject ?? throw new ServerKeysException("verify_keys is missing"), _ => validUntil, isOld: false);
        var byId = current.ToDictionary(k => k.Id, k => k.Key);
        var status = JsonSigning.Verify(json, serverName, id => byId.GetValueOrDefault(id), CanonicalJsonMode.Lenient);
        if (status != SignatureStatus.Valid) throw new ServerKeysException($"not signed by {serverName} with one of its keys: {status}");

        var old = json["old_verify_keys"] is JsonObject oldKeys
            ? ReadKeys(oldKeys, k => k["expired_ts"] is JsonValue e && e.TryGetValue(out long ts) ? ts : null, isOld: true)
            : [];
        return new ServerKeysResponse(serverName, validUntil, [.. current, .. old.Where(o => !byId.ContainsKey(o.Id))], json);
    }

    /// <summary>Our own keys object: current key, old keys with their expiry, valid_until_ts, signed by the current key.</summary>
    public static JsonObject Build(string serverName, SigningKey key, IEnumerable<(VerifyKey Key, SigningKeyId Id, long ExpiredTs)> oldKeys, long validUntilTs)
    {
        var old = new JsonObject();
        foreach (var (oldKey, id, expired) in oldKeys) old[id.ToString()] = new JsonObject { ["key"] = oldKey.Base64, ["expired_ts"] = expired };
        var json = new JsonObject
        {
            ["server_name"] = serverName,
            ["verify_keys"] = new JsonObject { [key.KeyId.ToString()] = new JsonObject { ["key"] = key.VerifyKey.Base64 } },
            ["old_verify_keys"] = old,
            ["valid_until_ts"] = validUntilTs,
        };
        JsonSigning.Sign(json, serverName, key);
        return json;
    }

    /// <summary>The server's keys as a lookup answer, capped from the fetch time.</summary>
    public IEnumerable<(SigningKeyId Id, ServerKey Key)> ToServerKeys(long fetchedTs) =>
        Keys.Select(k => (k.Id, new ServerKey(k.Key, EffectiveValidUntil(k, fetchedTs))));

    // Unknown algorithms are skipped (as Synapse does); an Ed25519 entry that does not parse is an error.
    private static List<PublishedKey> ReadKeys(JsonObject keys, Func<JsonObject, long?> validUntil, bool isOld)
    {
        var result = new List<PublishedKey>();
        foreach (var (idText, value) in keys)
        {
            if (!SigningKeyId.TryParse(idText, out var id) || !id.IsEd25519) continue;
            if (value is not JsonObject entry || !VerifyKey.TryFromBase64(Text(entry, "key"), out var key)) throw new ServerKeysException($"{idText} is not a valid key");
            var until = validUntil(entry) ?? throw new ServerKeysException($"{idText} has no expired_ts");
            result.Add(new PublishedKey(id, key, until, isOld));
        }

        return result;
    }

    private static string? Text(JsonObject json, string name) => json[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}
