using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.E2ee;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>Client /keys/query and /keys/claim for users of another server.</summary>
[Collection(KeysFederationCollection.Name)]
public sealed class RemoteKeysTests(KeysFederationFixture fixture)
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;

    [Fact]
    public async Task A_user_we_share_no_room_with_is_asked_for_at_their_server()
    {
        var alice = await FederationEventsFixture.NewUserAsync(Hs1, "q_alice");
        var bob = await FederationEventsFixture.NewUserAsync(Hs2, "q_bob");
        using var deviceKey = TestKeys.NewKey();
        await Hs2.UploadDeviceAsync(bob, deviceKey);
        using var crossSigning = new CrossSigningKeys(bob.UserId);
        (await Hs2.Http.PostJsonAsync("/_matrix/client/v3/keys/device_signing/upload", crossSigning.UploadBody(), bob.AccessToken)).Ok();

        var answer = await Hs1.QueryAsync(alice, FederatedKeys.AllDevicesOf(bob));
        Assert.Empty(answer["failures"]!.AsObject());
        Assert.True(JsonNode.DeepEquals(TestKeys.DeviceKeys(bob, deviceKey), answer["device_keys"]![bob.UserId]![bob.DeviceId]));
        Assert.Equal(TestKeys.KeyId(crossSigning.Master), answer["master_keys"]![bob.UserId]!["keys"]!.AsObject().Single().Key);
        Assert.NotNull(answer["self_signing_keys"]![bob.UserId]);
        Assert.Null(answer["user_signing_keys"]![bob.UserId]);
        Assert.Null((await Hs1.CachedAsync(bob.UserId)).StreamId);
    }

    [Fact]
    public async Task A_user_we_share_a_room_with_is_cached_from_their_device_list()
    {
        var (_, alice, bob) = await fixture.SharedRoomAsync();
        using var deviceKey = TestKeys.NewKey();
        await Hs2.UploadDeviceAsync(bob, deviceKey);

        var answer = await Hs1.QueryAsync(alice, FederatedKeys.AllDevicesOf(bob));
        Assert.True(JsonNode.DeepEquals(TestKeys.DeviceKeys(bob, deviceKey), answer["device_keys"]![bob.UserId]![bob.DeviceId]));
        var (streamId, devices) = await Hs1.CachedAsync(bob.UserId);
        Assert.NotNull(streamId);
        Assert.Equal([bob.DeviceId], devices.Select(d => d.DeviceId));

        // Asking for one device reads the cache too.
        var one = await Hs1.QueryAsync(alice, new JsonObject { [bob.UserId] = new JsonArray(bob.DeviceId, "NOSUCH") });
        Assert.Equal([bob.DeviceId], one["device_keys"]![bob.UserId]!.AsObject().Select(d => d.Key));
    }

    [Fact]
    public async Task Claims_reach_the_other_server_and_take_each_key_once()
    {
        var alice = await FederationEventsFixture.NewUserAsync(Hs1, "c_alice");
        var bob = await FederationEventsFixture.NewUserAsync(Hs2, "c_bob");
        using var deviceKey = TestKeys.NewKey();
        await Hs2.UploadDeviceAsync(bob, deviceKey, oneTimeKeys: 2);
        var body = new JsonObject { ["one_time_keys"] = new JsonObject { [bob.UserId] = new JsonObject { [bob.DeviceId] = "signed_curve25519" } } };

        var claimed = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var answer = (await Hs1.Http.PostJsonAsync("/_matrix/client/v3/keys/claim", body, alice.AccessToken)).Ok();
            Assert.Empty(answer["failures"]!.AsObject());
            if (answer["one_time_keys"]![bob.UserId]?[bob.DeviceId] is JsonObject keys) claimed.AddRange(keys.Select(k => k.Key));
        }

        Assert.Equal([$"signed_curve25519:{bob.DeviceId}0", $"signed_curve25519:{bob.DeviceId}1"], claimed.Order());
    }

    [Fact]
    public async Task A_server_we_cannot_ask_is_listed_in_failures()
    {
        var alice = await FederationEventsFixture.NewUserAsync(Hs1, "f_alice");
        var denied = $"@someone:{KeysFederationFixture.DeniedServer}";
        var query = await Hs1.QueryAsync(alice, new JsonObject { [denied] = new JsonArray() });
        Assert.Equal(403, query["failures"]![KeysFederationFixture.DeniedServer]!["status"]!.GetValue<int>());
        Assert.Null(query["device_keys"]![denied]);

        var claim = (await Hs1.Http.PostJsonAsync("/_matrix/client/v3/keys/claim",
            new JsonObject { ["one_time_keys"] = new JsonObject { [denied] = new JsonObject { ["DEV"] = "signed_curve25519" } } }, alice.AccessToken)).Ok();
        Assert.Equal(403, claim["failures"]![KeysFederationFixture.DeniedServer]!["status"]!.GetValue<int>());
    }
}
