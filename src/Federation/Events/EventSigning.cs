using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Events;

/// <summary>Why an event's signatures were not accepted, or <see cref="Valid"/>.</summary>
/// <param name="Server">The server whose signature failed; null when valid.</param>
/// <param name="Status">How it failed (from the "Checking for a Signature" steps).</param>
public sealed record EventSignatureCheck(string? Server, SignatureStatus Status)
{
    public static readonly EventSignatureCheck Valid = new(null, SignatureStatus.Valid);

    public bool IsValid => Status == SignatureStatus.Valid;

    public override string ToString() => IsValid ? "valid" : $"signature of {Server}: {Status}";
}

/// <summary>
/// Event signing (server-server API "Signing Events"): the content hash goes into hashes, then the
/// redacted event is signed, so the signature survives redaction while the hash shows whether content
/// was removed.
/// </summary>
public static class EventSigning
{
    /// <summary>Adds the content hash and this server's signature to the event in place (keeping other signatures).</summary>
    /// <returns>The event's reference hash (see <see cref="Sign"/>).</returns>
    /// <exception cref="CanonicalJsonException">The event cannot be encoded as canonical JSON.</exception>
    public static byte[] HashAndSign(JsonObject pdu, RoomVersion version, string serverName, SigningKey key)
    {
        EventHashes.AddContentHash(pdu, version);
        return Sign(pdu, version, serverName, key);
    }

    /// <summary>Adds this server's signature over the redacted event, leaving hashes as they are.</summary>
    /// <returns>
    /// The event's reference hash as it now stands: the redacted event without signatures or unsigned data is what
    /// the signature covers and what the reference hash hashes, so both come from one encoding.
    /// </returns>
    public static byte[] Sign(JsonObject pdu, RoomVersion version, string serverName, SigningKey key)
    {
        var redacted = Redaction.Redact(pdu, version, keepSignatures: false);
        var (signature, referenceHash) = JsonSigning.ComputeSignatureAndHash(redacted, key, version.CanonicalMode());
        JsonSigning.AddSignature(pdu, serverName, key.KeyId.ToString(), signature);
        return referenceHash;
    }

    /// <summary>
    /// The servers that must have signed: the sender's (unless the event is an invite from a third-party invite,
    /// whose sender may be on another server); for v1/v2 the event ID's server; for restricted joins (v8+) the
    /// server of join_authorised_via_users_server.
    /// </summary>
    /// <remarks>
    /// A v3+ third-party-invite member event thus needs no signature here, as in Synapse: the auth rules check
    /// its signed block against the m.room.third_party_invite keys instead.
    /// </remarks>
    public static IReadOnlyList<string> RequiredSigners(Pdu pdu)
    {
        var servers = new List<string>(2);
        if (!IsThirdPartyInvite(pdu)) servers.Add(pdu.SenderDomain);
        if (pdu.Version.EventFormat == EventFormat.V1 && EventId.TryParse(pdu.EventId, out var id, out _) && id.Server is { } idServer)
        {
            AddOnce(servers, idServer.Value);
        }

        if (pdu.Version.RestrictedJoinRule && pdu.Membership == Memberships.Join
            && pdu.Content["join_authorised_via_users_server"] is JsonValue v && v.TryGetValue(out string? authoriser)
            && UserId.TryParse(authoriser, out var user, out _))
        {
            AddOnce(servers, user.Server.Value);
        }

        return servers;
    }

    /// <summary>
    /// Checks that every required server signed the redacted event. Signatures by keys the lookup does not
    /// know are skipped; from v5, keys whose validity ended before origin_server_ts count as unknown.
    /// </summary>
    public static ValueTask<EventSignatureCheck> VerifyAsync(Pdu pdu, IServerKeyLookup keys, CancellationToken cancellationToken = default) =>
        VerifyAsync(pdu, RequiredSigners(pdu), keys, cancellationToken);

    /// <summary>Checks that each of <paramref name="servers"/> signed the redacted event (e.g. the countersignature of an invited user's server).</summary>
    public static async ValueTask<EventSignatureCheck> VerifyAsync(Pdu pdu, IEnumerable<string> servers, IServerKeyLookup keys, CancellationToken cancellationToken = default)
    {
        var redacted = Redaction.Redact(pdu.Json, pdu.Version, keepSignatures: true);
        foreach (var server in servers)
        {
            var known = await FindKeysAsync(redacted, server, pdu, keys, cancellationToken);
            var status = JsonSigning.Verify(redacted, server, id => known.GetValueOrDefault(id), pdu.Version.CanonicalMode());
            if (status != SignatureStatus.Valid) return new EventSignatureCheck(server, status);
        }

        return EventSignatureCheck.Valid;
    }

    private static async ValueTask<Dictionary<SigningKeyId, VerifyKey>> FindKeysAsync(
        JsonObject redacted, string server, Pdu pdu, IServerKeyLookup keys, CancellationToken cancellationToken)
    {
        var found = new Dictionary<SigningKeyId, VerifyKey>();
        if (redacted[PduKeys.Signatures] is not JsonObject all || all[server] is not JsonObject signatures) return found;
        foreach (var (keyIdText, _) in signatures)
        {
            if (!SigningKeyId.TryParse(keyIdText, out var keyId) || !keyId.IsEd25519) continue;
            var key = await keys.FindKeyAsync(server, keyId, pdu.Version.EnforceKeyValidity ? pdu.OriginServerTs : 0, cancellationToken);
            if (key is null || (pdu.Version.EnforceKeyValidity && key.ValidUntilTs < pdu.OriginServerTs)) continue;
            found[keyId] = key.Key;
        }

        return found;
    }

    private static bool IsThirdPartyInvite(Pdu pdu) =>
        pdu.Membership == Memberships.Invite && pdu.Content.ContainsKey("third_party_invite");

    private static void AddOnce(List<string> servers, string server)
    {
        if (!servers.Contains(server)) servers.Add(server);
    }
}
