using System.Text.Json.Nodes;
using Matrix.Federation.Events;

namespace Matrix.Federation.Auth;

/// <summary>
/// The two signature checks the authorization rules name. Injected so the rules stay free of key
/// fetching; the host answers from its verified-key cache.
/// </summary>
public interface IAuthSignatureVerifier
{
    /// <summary>
    /// Whether <paramref name="pdu"/> carries a valid signature from <paramref name="serverName"/>
    /// (a restricted join must be signed by the server of join_authorised_via_users_server).
    /// </summary>
    bool IsSignedBy(Pdu pdu, string serverName);

    /// <summary>
    /// Whether any signature in a third-party invite's <c>signed</c> object verifies against any of
    /// <paramref name="publicKeys"/> (unpadded base64 Ed25519 keys from m.room.third_party_invite).
    /// </summary>
    bool IsThirdPartyInviteSigned(JsonObject signed, IReadOnlyList<string> publicKeys);
}
