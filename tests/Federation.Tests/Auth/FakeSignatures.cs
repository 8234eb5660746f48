using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;

namespace Matrix.Federation.Tests.Auth;

/// <summary>
/// Stands in for the host's verifier: an event counts as signed by a server when its signatures name
/// that server, and a third-party invite's signed block is valid when one of its signatures is
/// <c>"signed-with:" + key</c> for a public key the authorizer passed in.
/// </summary>
internal sealed class FakeSignatures : IAuthSignatureVerifier
{
    public const string SignaturePrefix = "signed-with:";

    public bool IsSignedBy(Pdu pdu, string serverName) =>
        pdu.Json["signatures"] is JsonObject signatures && signatures.ContainsKey(serverName);

    public bool IsThirdPartyInviteSigned(JsonObject signed, IReadOnlyList<string> publicKeys) =>
        signed["signatures"] is JsonObject servers
        && servers.Select(server => server.Value).OfType<JsonObject>()
            .SelectMany(keys => keys.Select(key => key.Value?.GetValue<string>()))
            .Any(signature => publicKeys.Any(key => signature == SignaturePrefix + key));
}
