using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Policy;

/// <summary>
/// A room's Policy Server (spec v1.18, "Policy Servers") as a valid <c>m.room.policy</c> state event names it: the
/// server asked to sign every event but that state event, and the key (from the room's state, not the server's
/// published keys) its signatures are checked with.
/// </summary>
public sealed class PolicyServer
{
    /// <summary>The key ID of every Policy Server signature.</summary>
    public static readonly SigningKeyId KeyId = SigningKeyId.TryParse("ed25519:policy_server", out var id) ? id : throw new InvalidOperationException();

    private PolicyServer(string serverName, VerifyKey key)
    {
        ServerName = serverName;
        Key = key;
    }

    public string ServerName { get; }

    public VerifyKey Key { get; }

    /// <summary>
    /// The Policy Server named by a room's <c>m.room.policy</c> event (empty state key): null when there is none or
    /// its content lacks a string <c>via</c> or a usable <c>public_keys.ed25519</c> (the room then uses no Policy Server).
    /// </summary>
    public static PolicyServer? FromState(Pdu? policy)
    {
        if (policy is not { Type: EventTypes.Policy, StateKey: "" }) return null;
        if (policy.Content["via"] is not JsonValue via || !via.TryGetValue(out string? server) || !Identifiers.ServerName.TryParse(server, out _, out _)) return null;
        if (policy.Content["public_keys"] is not JsonObject keys || keys["ed25519"] is not JsonValue ed25519
            || !ed25519.TryGetValue(out string? text) || !VerifyKey.TryFromBase64(text, out var key))
        {
            return null;
        }

        return new PolicyServer(server, key);
    }

    /// <summary>The room's <c>m.room.policy</c> state event itself is never sent for signing (spec).</summary>
    public static bool IsExempt(Pdu pdu) => pdu.Type == EventTypes.Policy && pdu.StateKey == "";

    /// <summary>Whether the event carries this Policy Server's valid signature over its redacted form.</summary>
    public bool HasSigned(Pdu pdu)
    {
        var redacted = Redaction.Redact(pdu.Json, pdu.Version, keepSignatures: true);
        return JsonSigning.Verify(redacted, ServerName, KeyId, Key, pdu.Version.CanonicalMode()) == SignatureStatus.Valid;
    }

    /// <summary>
    /// The event with the signature of a <c>/sign</c> answer added to its own (the answer holds only the Policy
    /// Server's), when that signature verifies; null otherwise. The event ID does not change: signatures are not hashed.
    /// </summary>
    public Pdu? WithSignature(Pdu pdu, JsonObject answer)
    {
        if (answer[ServerName]?[KeyId.ToString()] is not JsonValue value || !value.TryGetValue(out string? signature)) return null;
        var json = (JsonObject)pdu.Json.DeepClone();
        JsonSigning.AddSignature(json, ServerName, KeyId.ToString(), signature);
        var signed = Pdu.FromJson(json, pdu.EventId, pdu.Version);
        return HasSigned(signed) ? signed : null;
    }
}
