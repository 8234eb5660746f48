using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Transport;
using Matrix.Homeserver.ServerKeys;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;

namespace Matrix.Homeserver.Identity;

/// <summary>What an identity server stored a third-party invite as: the room's m.room.third_party_invite content.</summary>
public sealed record StoredInvite(string Token, string DisplayName, JsonArray PublicKeys);

/// <summary>
/// The identity server calls a homeserver makes for third-party invites (Identity Service API v2, over HTTPS): the
/// hashed lookup of a 3PID, storing an invite, and whether a key was revoked. It goes through the federation's
/// transport, so a server a user names cannot be a private address unless Homeserver:Federation:AllowPrivateAddresses
/// says so, and its certificate is checked as a federation peer's (Homeserver:Federation:TrustedCaPath).
/// </summary>
public sealed class IdentityServerClient(SocketsHttpHandler transport, ServerSigningKey serverKey, ILogger<IdentityServerClient> logger) : IDisposable
{
    private const int MaxAnswerBytes = 64 * 1024;

    private readonly HttpClient _http = new(transport, disposeHandler: false)
    {
        Timeout = TimeSpan.FromSeconds(15),
        MaxResponseContentBufferSize = MaxAnswerBytes,
    };

    public void Dispose() => _http.Dispose();

    /// <summary>The identity server's base URL: it is named as a server name (host and optional port), HTTPS assumed.</summary>
    public static Uri BaseOf(string idServer) =>
        ServerName.TryParse(idServer, out var name, out _)
            ? new Uri($"https://{name.Value}")
            : throw MatrixException.InvalidParam($"'{idServer}' is not a valid identity server name");

    /// <summary>Where the identity server says whether a key of its own is still valid, when it does not name the place.</summary>
    public static string KeyValidityUrlOf(string idServer) => UrlOf(idServer, "/_matrix/identity/v2/pubkey/isvalid").ToString();

    private static Uri UrlOf(string idServer, string path) => new(BaseOf(idServer), path);

    /// <summary>The Matrix ID bound to the 3PID (POST /lookup with a sha256 hash, or in the clear if that is all it offers), or null.</summary>
    public async Task<string?> LookupAsync(string idServer, string accessToken, string medium, string address, CancellationToken cancellationToken)
    {
        var details = await SendAsync(idServer, HttpMethod.Get, UrlOf(idServer, "/_matrix/identity/v2/hash_details"), null, accessToken, cancellationToken);
        var algorithms = (details["algorithms"] as JsonArray)?.Select(a => a is JsonValue v && v.TryGetValue(out string? s) ? s : null).ToList() ?? [];
        var pepper = JsonFields.String(details, "lookup_pepper") ?? "";
        string algorithm, lookedUp;
        if (algorithms.Contains("sha256"))
        {
            algorithm = "sha256";
            lookedUp = UnpaddedBase64.EncodeUrlSafe(SHA256.HashData(Encoding.UTF8.GetBytes($"{address} {medium} {pepper}")));
        }
        else if (algorithms.Contains("none"))
        {
            algorithm = "none";
            lookedUp = $"{address} {medium}";
        }
        else
        {
            throw new MatrixException(502, ErrorCodes.Unknown, $"The identity server {idServer} offers no lookup algorithm this server knows");
        }

        var body = new JsonObject { ["addresses"] = new JsonArray(lookedUp), ["algorithm"] = algorithm, ["pepper"] = pepper };
        var answer = await SendAsync(idServer, HttpMethod.Post, UrlOf(idServer, "/_matrix/identity/v2/lookup"), body, accessToken, cancellationToken);
        var userId = JsonFields.String(answer["mappings"] as JsonObject, lookedUp);
        return Matrix.Federation.Identifiers.UserId.IsValid(userId) ? userId : null;
    }

    /// <summary>POST /store-invite: the token and keys the room's m.room.third_party_invite carries.</summary>
    public async Task<StoredInvite> StoreInviteAsync(string idServer, string accessToken, JsonObject invite, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(idServer, HttpMethod.Post, UrlOf(idServer, "/_matrix/identity/v2/store-invite"), invite, accessToken,
            cancellationToken);
        var token = JsonFields.String(answer, "token");
        var keys = new JsonArray();
        if (answer["public_keys"] is JsonArray given)
        {
            foreach (var key in given.OfType<JsonObject>().Where(k => JsonFields.String(k, "public_key") is not null)) keys.Add(key.DeepClone());
        }
        else if (JsonFields.String(answer, "public_key") is { } single)
        {
            // Older identity servers give one key; its validity is checked where the spec puts it.
            keys.Add(new JsonObject { ["public_key"] = single, ["key_validity_url"] = KeyValidityUrlOf(idServer) });
        }

        if (string.IsNullOrEmpty(token) || keys.Count == 0)
        {
            throw new MatrixException(502, ErrorCodes.Unknown, $"The identity server {idServer} did not store the invite");
        }

        return new StoredInvite(token, JsonFields.String(answer, "display_name") ?? "", keys);
    }

    /// <summary>POST /3pid/bind: the identity server binds the 3PID its validated session proved to the user; returns it.</summary>
    public async Task<(string Medium, string Address)> BindAsync(string idServer, string accessToken, string sid, string clientSecret, string userId,
        CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["sid"] = sid, ["client_secret"] = clientSecret, ["mxid"] = userId };
        var answer = await SendAsync(idServer, HttpMethod.Post, UrlOf(idServer, "/_matrix/identity/v2/3pid/bind"), body, accessToken,
            cancellationToken);
        return JsonFields.String(answer, "medium") is { } medium && JsonFields.String(answer, "address") is { } address
            ? (medium, address)
            : throw new MatrixException(502, ErrorCodes.Unknown, $"The identity server {idServer} did not say what it bound");
    }

    /// <summary>
    /// POST /3pid/unbind, signed as this server (X-Matrix, as the identity service API asks of homeservers): true when
    /// it unbound the 3PID, false when it does not do that (400, 404 or 501, as Synapse reads them).
    /// </summary>
    public async Task<bool> UnbindAsync(string idServer, string userId, string medium, string address, CancellationToken cancellationToken)
    {
        const string path = "/_matrix/identity/v2/3pid/unbind";
        var body = new JsonObject { ["mxid"] = userId, ["threepid"] = new JsonObject { ["medium"] = medium, ["address"] = address } };
        var authorization = RequestSigning.Sign("POST", path, serverKey.ServerName, idServer, body, serverKey.Key).ToHeaderValue();
        try
        {
            await SendAsync(idServer, HttpMethod.Post, UrlOf(idServer, path), body, null, cancellationToken, authorization);
            return true;
        }
        catch (IdentityServerRefusal e) when (e.RemoteStatus is 400 or 404 or 501)
        {
            return false;
        }
    }

    /// <summary>GET key_validity_url?public_key=...: whether the identity server still stands by the key (false when it cannot be asked).</summary>
    public async Task<bool> IsKeyValidAsync(string keyValidityUrl, string publicKey, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(keyValidityUrl, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http")) return false;
        var query = (url.Query.Length > 1 ? url.Query + "&" : "?") + "public_key=" + Uri.EscapeDataString(publicKey);
        try
        {
            var answer = await SendAsync(url.Authority, HttpMethod.Get, new UriBuilder(url) { Query = query[1..] }.Uri, null, null, cancellationToken);
            return answer["valid"] is JsonValue valid && valid.TryGetValue(out bool isValid) && isValid;
        }
        catch (MatrixException e)
        {
            logger.LogInformation("Could not check a third-party invite key at {Host}: {Reason}", url.Authority, e.Message);
            return false;
        }
    }

    private async Task<JsonObject> SendAsync(string idServer, HttpMethod method, Uri url, JsonObject? body, string? accessToken,
        CancellationToken cancellationToken, string? xMatrix = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = OutboundJson.Content(body);
        if (accessToken is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (xMatrix is not null) request.Headers.TryAddWithoutValidation("Authorization", xMatrix);
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var json = text.Length == 0 ? null : JsonInput.Parse(text, maxDepth: 64) as JsonObject;
            if (!response.IsSuccessStatusCode)
            {
                // The identity server's own refusal (a bad access token, say) is the client's to see.
                throw new IdentityServerRefusal((int)response.StatusCode, JsonFields.String(json, "errcode"),
                    $"The identity server {idServer} refused: {JsonFields.String(json, "error") ?? response.StatusCode.ToString()}");
            }

            return json ?? throw new MatrixException(502, ErrorCodes.Unknown, $"The identity server {idServer} answered no JSON object");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or CanonicalJsonException or System.Text.Json.JsonException
                                   && !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Identity server {Server} could not be used: {Reason}", idServer, e.Message);
            throw new MatrixException(502, ErrorCodes.Unknown, $"Could not reach the identity server {idServer}");
        }
    }
}

/// <summary>An identity server's error answer: a 4xx is the client's to see (a bad access token, say), anything else 502.</summary>
public sealed class IdentityServerRefusal(int remoteStatus, string? errCode, string message)
    : MatrixException(remoteStatus is >= 400 and < 500 ? 400 : 502, errCode ?? ErrorCodes.Unknown, message)
{
    public int RemoteStatus { get; } = remoteStatus;
}
