using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Homeserver.ServerKeys;

namespace Matrix.Homeserver.Events.Auth;

/// <summary>
/// The signature questions the auth rules ask. Remote events reach the rules only after every
/// required signature (EventSigning.RequiredSigners, which includes a restricted join's authorising
/// server) was verified on receipt, so for them a present signature is a verified one; our own
/// server's signature is checked with our key.
/// </summary>
public sealed class HomeserverSignatureVerifier(ServerSigningKey serverKey) : IAuthSignatureVerifier
{
    public bool IsSignedBy(Pdu pdu, string serverName)
    {
        if (pdu.Json["signatures"]?[serverName] is not JsonObject signatures || signatures.Count == 0) return false;
        if (serverName != serverKey.ServerName) return true;
        var redacted = Redaction.Redact(pdu.Json, pdu.Version);
        var mode = pdu.Version.CanonicalMode();
        return JsonSigning.Verify(redacted, serverName, serverKey.Key.KeyId, serverKey.Key.VerifyKey, mode) == SignatureStatus.Valid;
    }

    public bool IsThirdPartyInviteSigned(JsonObject signed, IReadOnlyList<string> publicKeys) =>
        publicKeys.Any(key => ThirdPartyInviteKeys.Verifies(signed, key));
}
