using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;

namespace Matrix.Federation.Transport;

/// <summary>The outcome of checking an inbound request's X-Matrix header.</summary>
/// <param name="Origin">The authenticated origin server when valid; the claimed one (if parsed) otherwise.</param>
public sealed record XMatrixVerification(XMatrixError Error, string? Origin)
{
    public bool IsValid => Error == XMatrixError.None;
}

/// <summary>
/// Request authentication between servers: the method, request target, origin, destination and JSON body are
/// signed as one JSON object (server-server API "Request Authentication") and the signature travels in the
/// Authorization header.
/// </summary>
public static class RequestSigning
{
    // Transactions carry room v1-v5 events whose integers may exceed the strict range; such events were signed
    // with them, so request bodies are encoded leniently (identical to strict for every strict-valid body).
    private const CanonicalJsonMode Mode = CanonicalJsonMode.Lenient;

    /// <summary>The object that is signed.</summary>
    /// <param name="uri">The request target: path from /_matrix and the query string, as sent.</param>
    public static JsonObject BuildSignedJson(string method, string uri, string origin, string destination, JsonNode? content)
    {
        var json = new JsonObject { ["method"] = method, ["uri"] = uri, ["origin"] = origin, ["destination"] = destination };
        if (content is not null) json["content"] = content.DeepClone();
        return json;
    }

    /// <summary>The Authorization header for an outbound request.</summary>
    public static XMatrixAuthorization Sign(string method, string uri, string origin, string destination, JsonNode? content, SigningKey key)
    {
        var signature = JsonSigning.ComputeSignature(BuildSignedJson(method, uri, origin, destination, content), key, Mode);
        return new XMatrixAuthorization(origin, destination, key.KeyId, signature);
    }

    /// <summary>
    /// Checks an inbound request's header: it must parse, name us as destination if it names one (old servers
    /// omit it; the signed object then still carries our name, as Synapse checks it), and carry a valid signature
    /// by a key of the origin that is valid now. Map <see cref="XMatrixError.Malformed"/>-like parse errors to 400
    /// and the rest to 401, as Synapse does.
    /// </summary>
    public static async ValueTask<XMatrixVerification> VerifyAsync(
        string? header, string method, string uri, string ourServerName, JsonNode? content, IServerKeyLookup keys, long nowMs,
        CancellationToken cancellationToken = default)
    {
        if (!XMatrixAuthorization.TryParse(header, out var auth, out var error)) return new(error, null);
        if (auth.Destination is not null && auth.Destination != ourServerName) return new(XMatrixError.DestinationMismatch, auth.Origin);

        var key = auth.Key.IsEd25519 ? await keys.FindKeyAsync(auth.Origin, auth.Key, nowMs, cancellationToken) : null;
        if (key is null || key.ValidUntilTs < nowMs) return new(XMatrixError.UnknownKey, auth.Origin);

        var signed = BuildSignedJson(method, uri, auth.Origin, ourServerName, content);
        JsonSigning.AddSignature(signed, auth.Origin, auth.Key.ToString(), auth.Signature);
        try
        {
            var status = JsonSigning.Verify(signed, auth.Origin, auth.Key, key.Key, Mode);
            return status == SignatureStatus.Valid ? new(XMatrixError.None, auth.Origin) : new(XMatrixError.InvalidSignature, auth.Origin);
        }
        catch (CanonicalJsonException)
        {
            return new(XMatrixError.BodyNotCanonical, auth.Origin);
        }
    }
}
