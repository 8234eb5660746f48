using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Matrix.Homeserver.Tests.Rooms;

/// <summary>
/// An identity server on loopback TLS (certificate from the federation's test CA), as SyTest's plays one: v2 hashed
/// lookups of its bindings, stored invites answered with a long-term and an ephemeral key, key validity, and binding a
/// 3PID, which tells the user's homeserver (/3pid/onbind) of the invites waiting for it, signed.
/// </summary>
public sealed class FakeIdentityServer : IAsyncDisposable
{
    public const string AccessToken = "swordfish";
    private const string Pepper = "matrixrocks";

    private readonly ConcurrentDictionary<string, string> _hashes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<JsonObject>> _invites = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Medium, string Address, string ClientSecret)> _sessions = new(StringComparer.Ordinal);
    private LoopbackApp? _app;
    private int _nextToken;

    private FakeIdentityServer(int port) => Name = $"127.0.0.1:{port}";

    /// <summary>The id_server clients name: host and port.</summary>
    public string Name { get; }

    public SigningKey Key { get; private set; } = SigningKey.Generate("0");
    public SigningKey Ephemeral { get; private set; } = SigningKey.Generate("0");

    /// <summary>The Authorization headers of the unbind requests it got.</summary>
    public ConcurrentQueue<string> UnbindAuthorizations { get; } = new();

    /// <summary>The bodies of the store-invite requests it got.</summary>
    public ConcurrentQueue<JsonObject> StoredInvites { get; } = new();

    private int _requests;

    /// <summary>How many requests it answered.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<FakeIdentityServer> StartAsync(TestFederation federation)
    {
        var port = TestFederation.FreePort();
        var (certificatePath, keyPath) = federation.IssueCertificate("127.0.0.1");
        var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        var server = new FakeIdentityServer(port);
        server._app = await LoopbackApp.StartAsync(app => app.Run(server.AnswerAsync),
            k => k.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(certificate)));
        return server;
    }

    /// <summary>New keys: what was signed before no longer verifies with the keys it publishes, and the old ones are no longer valid.</summary>
    public void RotateKeys()
    {
        var (key, ephemeral) = (Key, Ephemeral);
        Key = SigningKey.Generate("0");
        Ephemeral = SigningKey.Generate("0");
        key.Dispose();
        ephemeral.Dispose();
    }

    /// <summary>
    /// Binds the 3PID to the user; then, when <paramref name="homeserver"/> is given, posts its pending invites to that
    /// homeserver's /3pid/onbind, each token signed (with the long-term key; <paramref name="beforeNotify"/> runs after
    /// the signing and before the post).
    /// </summary>
    /// <param name="put">PUT, as the spec has it, instead of the POST that Synapse and SyTest's identity server use.</param>
    public async Task<HttpStatusCode?> BindAsync(string medium, string address, string userId, HttpClient? homeserver = null, Action? beforeNotify = null,
        bool put = false)
    {
        _hashes[Hash(medium, address)] = userId;
        if (homeserver is null) return null;
        var invites = new JsonArray();
        foreach (var invite in _invites.GetValueOrDefault($"{medium}\0{address}") ?? [])
        {
            var signed = new JsonObject { ["mxid"] = userId, ["token"] = invite["token"]!.GetValue<string>() };
            Sign(signed);
            var pending = (JsonObject)invite.DeepClone();
            pending["mxid"] = userId;
            pending["signed"] = signed;
            invites.Add(pending);
        }

        var body = new JsonObject { ["medium"] = medium, ["address"] = address, ["mxid"] = userId, ["invites"] = invites };
        Sign(body);
        beforeNotify?.Invoke();
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = put
            ? await homeserver.PutAsync("/_matrix/federation/v1/3pid/onbind", content)
            : await homeserver.PostAsync("/_matrix/federation/v1/3pid/onbind", content);
        return response.StatusCode;
    }

    /// <summary>A validation session the user completed (the email was clicked, say): its sid.</summary>
    public string ValidateSession(string medium, string address, string clientSecret)
    {
        var sid = $"session{_sessions.Count + 1}";
        _sessions[sid] = (medium, address, clientSecret);
        return sid;
    }

    /// <summary>The user the 3PID is bound to here, or null.</summary>
    public string? BoundTo(string medium, string address) => _hashes.GetValueOrDefault(Hash(medium, address));

    /// <summary>Signs in place as this server, with the long-term key or the ephemeral one.</summary>
    public void Sign(JsonObject json, bool ephemeral = false) => JsonSigning.Sign(json, Name, ephemeral ? Ephemeral : Key);

    /// <summary>The token of the invite it stored for the 3PID (the room's m.room.third_party_invite state key).</summary>
    public string TokenFor(string medium, string address) => _invites[$"{medium}\0{address}"].Last()["token"]!.GetValue<string>();

    private static string Hash(string medium, string address) =>
        UnpaddedBase64.EncodeUrlSafe(SHA256.HashData(Encoding.UTF8.GetBytes($"{address} {medium} {Pepper}")));

    private async Task AnswerAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var path = context.Request.Path.Value ?? "";
        var authorized = context.Request.Headers.Authorization.ToString() == "Bearer " + AccessToken;
        JsonObject? body = context.Request.ContentLength > 0 ? (await JsonNode.ParseAsync(context.Request.Body))!.AsObject() : null;
        var (status, answer) = path switch
        {
            "/_matrix/identity/v2/pubkey/isvalid" => (200, new JsonObject
            {
                ["valid"] = context.Request.Query["public_key"].ToString() is var key && (key == Key.VerifyKey.Base64 || key == Ephemeral.VerifyKey.Base64),
            }),
            "/_matrix/identity/v2/3pid/unbind" => Unbind(body!, context.Request.Headers.Authorization.ToString()),
            _ when !authorized => (401, new JsonObject { ["errcode"] = "M_UNAUTHORIZED", ["error"] = "no access token" }),
            "/_matrix/identity/v2/hash_details" => (200, new JsonObject { ["algorithms"] = new JsonArray("none", "sha256"), ["lookup_pepper"] = Pepper }),
            "/_matrix/identity/v2/lookup" => (200, Lookup(body!)),
            "/_matrix/identity/v2/store-invite" => (200, StoreInvite(body!)),
            "/_matrix/identity/v2/3pid/bind" => Bind(body!),
            _ => (404, new JsonObject { ["errcode"] = "M_UNRECOGNIZED", ["error"] = "not here" }),
        };
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    private JsonObject Lookup(JsonObject body)
    {
        var mappings = new JsonObject();
        if (body["algorithm"]?.GetValue<string>() == "sha256" && body["pepper"]?.GetValue<string>() == Pepper)
        {
            foreach (var hash in body["addresses"]!.AsArray().Select(a => a!.GetValue<string>()))
            {
                if (_hashes.TryGetValue(hash, out var userId)) mappings[hash] = userId;
            }
        }

        return new JsonObject { ["mappings"] = mappings };
    }

    private (int, JsonObject) Bind(JsonObject body)
    {
        if (!_sessions.TryGetValue(body["sid"]!.GetValue<string>(), out var session) || session.ClientSecret != body["client_secret"]!.GetValue<string>())
        {
            return (400, new JsonObject { ["errcode"] = "M_NO_VALID_SESSION", ["error"] = "unknown session" });
        }

        var userId = body["mxid"]!.GetValue<string>();
        _hashes[Hash(session.Medium, session.Address)] = userId;
        var answer = new JsonObject
        {
            ["medium"] = session.Medium, ["address"] = session.Address, ["mxid"] = userId, ["not_before"] = 0, ["not_after"] = 4582425849161, ["ts"] = 0,
        };
        Sign(answer);
        return (200, answer);
    }

    private (int, JsonObject) Unbind(JsonObject body, string authorization)
    {
        UnbindAuthorizations.Enqueue(authorization);
        var hash = Hash(body["threepid"]!["medium"]!.GetValue<string>(), body["threepid"]!["address"]!.GetValue<string>());
        if (_hashes.GetValueOrDefault(hash) != body["mxid"]!.GetValue<string>()) return (404, new JsonObject { ["errcode"] = "M_NOT_FOUND", ["error"] = "not bound" });
        _hashes.TryRemove(hash, out _);
        return (200, new JsonObject());
    }

    private JsonObject StoreInvite(JsonObject body)
    {
        StoredInvites.Enqueue(body);
        var token = $"token{Interlocked.Increment(ref _nextToken)}";
        var key = $"{body["medium"]!.GetValue<string>()}\0{body["address"]!.GetValue<string>()}";
        var invite = new JsonObject
        {
            ["medium"] = body["medium"]!.DeepClone(), ["address"] = body["address"]!.DeepClone(), ["room_id"] = body["room_id"]!.DeepClone(),
            ["sender"] = body["sender"]!.DeepClone(), ["token"] = token,
        };
        _invites.AddOrUpdate(key, _ => [invite], (_, list) => [.. list, invite]);
        var validity = $"https://{Name}/_matrix/identity/v2/pubkey/isvalid";
        return new JsonObject
        {
            ["token"] = token,
            ["display_name"] = "Bob",
            ["public_key"] = Key.VerifyKey.Base64,
            ["public_keys"] = new JsonArray(
                new JsonObject { ["public_key"] = Key.VerifyKey.Base64, ["key_validity_url"] = validity },
                new JsonObject { ["public_key"] = Ephemeral.VerifyKey.Base64, ["key_validity_url"] = validity }),
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        Key.Dispose();
        Ephemeral.Dispose();
    }
}
