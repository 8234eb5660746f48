using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.E2ee;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>GET /user/devices, POST /user/keys/query and /user/keys/claim, asked by another server.</summary>
[Collection(KeysFederationCollection.Name)]
public sealed class UserKeysEndpointTests(KeysFederationFixture fixture)
{
    private TestFederation Servers => fixture.Servers;

    private Task<MatrixResponse> AskAsync(string from, string to, HttpMethod method, string path, JsonObject? body = null) =>
        Servers.SendSignedAsync(from, to, method, path, body);

    private static async Task NameDeviceAsync(TestHomeserver server, TestUser user, string name) =>
        (await server.Http.PutJsonAsync($"/_matrix/client/v3/devices/{user.DeviceId}", new JsonObject { ["display_name"] = name }, user.AccessToken)).Ok();

    [Fact]
    public async Task User_devices_lists_signed_keys_and_public_cross_signing_keys_without_names_by_default()
    {
        var alice = await FederationEventsFixture.NewUserAsync(fixture.Hs1, "ud");
        using var deviceKey = TestKeys.NewKey();
        await fixture.Hs1.UploadDeviceAsync(alice, deviceKey);
        await NameDeviceAsync(fixture.Hs1, alice, "Alice's phone");
        using var crossSigning = new CrossSigningKeys(alice.UserId);
        (await fixture.Hs1.Http.PostJsonAsync("/_matrix/client/v3/keys/device_signing/upload", crossSigning.UploadBody(), alice.AccessToken)).Ok();

        var answer = (await AskAsync("hs2.test", "hs1.test", HttpMethod.Get, $"/_matrix/federation/v1/user/devices/{alice.UserId}")).Ok();
        Assert.Equal(alice.UserId, answer["user_id"]!.GetValue<string>());
        Assert.True(answer["stream_id"]!.GetValue<long>() >= 1, "the key upload was an update");
        var device = Assert.Single(answer["devices"]!.AsArray())!.AsObject();
        Assert.Equal(alice.DeviceId, device["device_id"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(TestKeys.DeviceKeys(alice, deviceKey), device["keys"]));
        Assert.Null(device["device_display_name"]);
        Assert.Equal(TestKeys.KeyId(crossSigning.Master), answer["master_key"]!["keys"]!.AsObject().Single().Key);
        Assert.Equal(TestKeys.KeyId(crossSigning.SelfSigning), answer["self_signing_key"]!["keys"]!.AsObject().Single().Key);
        Assert.Null(answer["user_signing_key"]);

        var query = (await AskAsync("hs2.test", "hs1.test", HttpMethod.Post, "/_matrix/federation/v1/user/keys/query",
            new JsonObject { ["device_keys"] = FederatedKeys.AllDevicesOf(alice) })).Ok();
        Assert.True(JsonNode.DeepEquals(TestKeys.DeviceKeys(alice, deviceKey), query["device_keys"]![alice.UserId]![alice.DeviceId]));
        Assert.NotNull(query["master_keys"]![alice.UserId]);
        Assert.NotNull(query["self_signing_keys"]![alice.UserId]);
        Assert.Null(query["user_signing_keys"]);
    }

    [Fact]
    public async Task Device_names_are_shown_where_the_server_allows_it()
    {
        var bob = await FederationEventsFixture.NewUserAsync(fixture.Hs2, "names");
        using var deviceKey = TestKeys.NewKey();
        await fixture.Hs2.UploadDeviceAsync(bob, deviceKey);
        await NameDeviceAsync(fixture.Hs2, bob, "Bob's laptop");

        var devices = (await AskAsync("hs1.test", "hs2.test", HttpMethod.Get, $"/_matrix/federation/v1/user/devices/{bob.UserId}")).Ok();
        Assert.Equal("Bob's laptop", devices["devices"]![0]!["device_display_name"]!.GetValue<string>());
        var query = (await AskAsync("hs1.test", "hs2.test", HttpMethod.Post, "/_matrix/federation/v1/user/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { [bob.UserId] = new JsonArray(bob.DeviceId) } })).Ok();
        Assert.Equal("Bob's laptop", query["device_keys"]![bob.UserId]![bob.DeviceId]!["unsigned"]!["device_display_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Claims_hand_out_each_one_time_key_once()
    {
        var alice = await FederationEventsFixture.NewUserAsync(fixture.Hs1, "claimed");
        using var deviceKey = TestKeys.NewKey();
        await fixture.Hs1.UploadDeviceAsync(alice, deviceKey, oneTimeKeys: 2);
        var body = new JsonObject { ["one_time_keys"] = new JsonObject { [alice.UserId] = new JsonObject { [alice.DeviceId] = "signed_curve25519" } } };

        var claimed = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var answer = (await AskAsync("hs2.test", "hs1.test", HttpMethod.Post, "/_matrix/federation/v1/user/keys/claim", body)).Ok();
            claimed.AddRange(answer["one_time_keys"]!.AsObject().SelectMany(u => u.Value!.AsObject()).SelectMany(d => d.Value!.AsObject()).Select(k => k.Key));
        }

        Assert.Equal([$"signed_curve25519:{alice.DeviceId}0", $"signed_curve25519:{alice.DeviceId}1"], claimed.Order());
    }

    [Fact]
    public async Task Users_of_other_servers_and_malformed_requests_are_refused()
    {
        const string remote = "@someone:hs2.test";
        (await AskAsync("hs2.test", "hs1.test", HttpMethod.Get, $"/_matrix/federation/v1/user/devices/{remote}")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await AskAsync("hs2.test", "hs1.test", HttpMethod.Post, "/_matrix/federation/v1/user/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { [remote] = new JsonArray() } })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await AskAsync("hs2.test", "hs1.test", HttpMethod.Post, "/_matrix/federation/v1/user/keys/claim",
            new JsonObject { ["one_time_keys"] = new JsonObject { [remote] = new JsonObject { ["DEV"] = "signed_curve25519" } } })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

        (await AskAsync("hs2.test", "hs1.test", HttpMethod.Post, "/_matrix/federation/v1/user/keys/query", new JsonObject()))
            .IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await AskAsync("hs2.test", "hs1.test", HttpMethod.Post, "/_matrix/federation/v1/user/keys/claim", new JsonObject { ["one_time_keys"] = new JsonObject { ["@a:hs1.test"] = 1 } }))
            .IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await AskAsync("hs2.test", "hs1.test", HttpMethod.Post, "/_matrix/federation/v1/user/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { ["@a:hs1.test"] = "DEV" } })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");

        // No X-Matrix signature, no answer.
        (await Servers.SendRawAsync("hs1.test", HttpMethod.Get, "/_matrix/federation/v1/user/devices/@a:hs1.test", null, null))
            .IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
    }
}
