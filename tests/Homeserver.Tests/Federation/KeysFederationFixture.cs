using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Tests.E2ee;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>
/// hs1 and hs2 federating, for end-to-end encryption across servers. hs2 shows device names to other
/// servers (hs1 keeps the default: it does not); hs1 refuses to federate with denied.test.
/// </summary>
public sealed class KeysFederationFixture : IAsyncLifetime
{
    public const string DeniedServer = "denied.test";

    public TestFederation Servers { get; private set; } = null!;
    public TestHomeserver Hs1 => Servers["hs1.test"];
    public TestHomeserver Hs2 => Servers["hs2.test"];

    public async Task InitializeAsync() => Servers = await TestFederation.StartAsync(["hs1.test", "hs2.test"], (name, _, settings) =>
    {
        settings["Homeserver:FederationEvents:SenderMinRetryMilliseconds"] = "100";
        settings["Homeserver:FederationEvents:SenderMaxRetryMilliseconds"] = "1000";
        if (name == "hs1.test") settings["Homeserver:Federation:DeniedDomains:0"] = DeniedServer;
        else settings["Homeserver:FederationKeys:AllowDeviceNameLookup"] = "true";
    });

    public Task DisposeAsync() => Servers.DisposeAsync().AsTask();

    /// <summary>A room of hs1 (alice) that hs2's bob joined over federation.</summary>
    public async Task<(string RoomId, TestUser Alice, TestUser Bob)> SharedRoomAsync()
    {
        var alice = await FederationEventsFixture.NewUserAsync(Hs1, "alice");
        var bob = await FederationEventsFixture.NewUserAsync(Hs2, "bob");
        var roomId = await Hs1.CreateRoomAsync(alice);
        await Hs2.JoinOverFederationAsync(Hs1, roomId, bob);
        return (roomId, alice, bob);
    }
}

[CollectionDefinition(Name)]
public sealed class KeysFederationCollection : ICollectionFixture<KeysFederationFixture>
{
    public const string Name = "keys-federation";
}

/// <summary>Key uploads, queries and polling for the federation key tests.</summary>
internal static class FederatedKeys
{
    public static Task<MatrixResponse> UploadAsync(this TestHomeserver server, TestUser user, JsonObject body) =>
        server.Http.PostJsonAsync("/_matrix/client/v3/keys/upload", body, user.AccessToken);

    /// <summary>Uploads self-signed device keys for the user's device and <paramref name="oneTimeKeys"/> one-time keys.</summary>
    public static async Task UploadDeviceAsync(this TestHomeserver server, TestUser user, SigningKey deviceKey, int oneTimeKeys = 0)
    {
        var body = new JsonObject { ["device_keys"] = TestKeys.DeviceKeys(user, deviceKey) };
        if (oneTimeKeys > 0)
        {
            body["one_time_keys"] = new JsonObject(Enumerable.Range(0, oneTimeKeys).Select(i =>
                KeyValuePair.Create<string, JsonNode?>($"signed_curve25519:{user.DeviceId}{i}", new JsonObject { ["key"] = $"otk-{user.DeviceId}-{i}" })));
        }

        (await server.UploadAsync(user, body)).Ok();
    }

    public static async Task<JsonObject> QueryAsync(this TestHomeserver server, TestUser user, JsonObject deviceKeys) =>
        (await server.Http.PostJsonAsync("/_matrix/client/v3/keys/query", new JsonObject { ["device_keys"] = deviceKeys }, user.AccessToken)).Ok();

    public static JsonObject AllDevicesOf(params TestUser[] users) => new(users.Select(u => KeyValuePair.Create<string, JsonNode?>(u.UserId, new JsonArray())));

    /// <summary>The server's stream position now, as a token for /keys/changes.</summary>
    public static string Token(this TestHomeserver server) => $"s{server.Services.GetRequiredService<StreamIdGenerator>().Current}";

    /// <summary>GET /keys/changes from <paramref name="from"/> to now.</summary>
    public static async Task<IReadOnlyList<string>> ChangedSinceAsync(this TestHomeserver server, TestUser user, string from)
    {
        var answer = (await server.Http.GetJsonAsync($"/_matrix/client/v3/keys/changes?from={from}&to={server.Token()}", user.AccessToken)).Ok();
        return [.. answer["changed"]!.AsArray().Select(u => u!.GetValue<string>())];
    }

    /// <summary>The devices of a remote user in the server's device-list cache, and the stream ID held (null: not tracked).</summary>
    public static async Task<(long? StreamId, List<RemoteDevice> Devices)> CachedAsync(this TestHomeserver server, string userId)
    {
        await using var db = server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContext();
        var streamId = await db.Set<RemoteDeviceList>().Where(l => l.UserId == userId).Select(l => (long?)l.StreamId).FirstOrDefaultAsync();
        return (streamId, await db.Set<RemoteDevice>().Where(d => d.UserId == userId).OrderBy(d => d.DeviceId).ToListAsync());
    }

    /// <summary>Pushes EDUs (and PDUs) in a transaction of its own (retried while the receiver answers 429).</summary>
    public static Task PushEdusAsync(this TestHomeserver from, TestHomeserver to, IEnumerable<JsonObject> edus, IEnumerable<Pdu>? pdus = null) =>
        from.PushAsync(to.ServerName, pdus ?? [], edus);
}
