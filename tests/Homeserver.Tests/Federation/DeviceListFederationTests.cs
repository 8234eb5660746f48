using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.FederationApi.KeysEdus;
using Matrix.Homeserver.Keys.Query;
using Matrix.Homeserver.Tests.E2ee;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;
using Matrix.Homeserver.Tests.Sync;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>m.device_list_update and m.signing_key_update between servers, and the device-list cache they keep.</summary>
[Collection(KeysFederationCollection.Name)]
public sealed class DeviceListFederationTests(KeysFederationFixture fixture)
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;

    private static JsonObject Edu(string type, JsonObject content) => new() { ["edu_type"] = type, ["content"] = content };

    private static JsonObject Update(TestUser user, string deviceId, long streamId, long prevId, JsonObject? keys = null, bool deleted = false)
    {
        var content = new JsonObject { ["user_id"] = user.UserId, ["device_id"] = deviceId, ["stream_id"] = streamId, ["prev_id"] = new JsonArray(prevId) };
        if (keys is not null) content["keys"] = keys;
        if (deleted) content["deleted"] = true;
        return Edu(DeviceListUpdateSender.EduType, content);
    }

    [Fact]
    public async Task A_device_added_on_the_other_server_reaches_sync_device_lists_and_key_queries()
    {
        var (_, alice, bob) = await fixture.SharedRoomAsync();
        using var firstKey = TestKeys.NewKey();
        await Hs2.UploadDeviceAsync(bob, firstKey);
        await Hs1.QueryAsync(alice, FederatedKeys.AllDevicesOf(bob));
        var since = (await Hs1.SyncAsync(alice)).NextBatch();

        var newDevice = await Hs2.CreateUserAsync(bob.Localpart, deviceId: "NEWDEVICE");
        using var newKey = TestKeys.NewKey();
        await Hs2.UploadDeviceAsync(newDevice, newKey);

        Assert.True(await Eventually.HoldsAsync(async () => (await Hs1.CachedAsync(bob.UserId)).Devices.Any(d => d.DeviceId == "NEWDEVICE")));
        var changed = (await Hs1.SyncAsync(alice, since))["device_lists"]?["changed"]?.AsArray().Select(u => u!.GetValue<string>());
        Assert.Contains(bob.UserId, changed ?? []);
        var answer = await Hs1.QueryAsync(alice, FederatedKeys.AllDevicesOf(bob));
        Assert.True(JsonNode.DeepEquals(TestKeys.DeviceKeys(newDevice, newKey), answer["device_keys"]![bob.UserId]!["NEWDEVICE"]));
        Assert.NotNull(answer["device_keys"]![bob.UserId]![bob.DeviceId]);
    }

    [Fact]
    public async Task A_remote_user_who_left_is_no_longer_a_device_list_change_while_one_who_stayed_is()
    {
        var (roomId, alice, bob) = await fixture.SharedRoomAsync();
        var carol = await FederationEventsFixture.NewUserAsync(Hs2, "carol");
        await Hs2.JoinOverFederationAsync(Hs1, roomId, carol);
        using (var bobKey = TestKeys.NewKey()) await Hs2.UploadDeviceAsync(bob, bobKey);
        using (var carolKey = TestKeys.NewKey()) await Hs2.UploadDeviceAsync(carol, carolKey);
        await Hs1.QueryAsync(alice, FederatedKeys.AllDevicesOf(bob));
        await Hs1.QueryAsync(alice, FederatedKeys.AllDevicesOf(carol));

        (await Hs2.MembershipAsync(bob, roomId, "leave")).Ok();
        Assert.True(await Eventually.HoldsAsync(async () => await Hs1.MembershipOfAsync(alice, roomId, bob.UserId) == "leave"));
        var since = (await Hs1.SyncAsync(alice)).NextBatch();
        using (var bobKey = TestKeys.NewKey()) await Hs2.UploadDeviceAsync(bob, bobKey);
        using (var carolKey = TestKeys.NewKey()) await Hs2.UploadDeviceAsync(carol, carolKey);

        JsonObject sync = new();
        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            sync = await Hs1.SyncAsync(alice, since);
            return sync["device_lists"]?["changed"]?.AsArray().Any(u => u!.GetValue<string>() == carol.UserId) == true;
        }));
        Assert.DoesNotContain(bob.UserId, sync["device_lists"]!["changed"]!.AsArray().Select(u => u!.GetValue<string>()));
    }

    [Fact]
    public async Task New_cross_signing_keys_reach_the_other_server()
    {
        var (_, alice, bob) = await fixture.SharedRoomAsync();
        var since = Hs1.Token();
        using var crossSigning = new CrossSigningKeys(bob.UserId);
        (await Hs2.Http.PostJsonAsync("/_matrix/client/v3/keys/device_signing/upload", crossSigning.UploadBody(), bob.AccessToken)).Ok();

        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            await using var db = Hs1.Db();
            return await KeyReader.CrossSigningKeyAsync(db, bob.UserId, KeyReader.SelfSigning, CancellationToken.None) is not null;
        }));
        Assert.Contains(bob.UserId, await Hs1.ChangedSinceAsync(alice, since));
        var answer = await Hs1.QueryAsync(alice, FederatedKeys.AllDevicesOf(bob));
        Assert.Equal(TestKeys.KeyId(crossSigning.Master), answer["master_keys"]![bob.UserId]!["keys"]!.AsObject().Single().Key);
    }

    [Fact]
    public async Task A_self_signing_key_its_master_did_not_sign_is_not_stored()
    {
        var (_, _, bob) = await fixture.SharedRoomAsync();
        using var crossSigning = new CrossSigningKeys(bob.UserId);
        using var stranger = TestKeys.NewKey();
        JsonObject SigningKeyUpdate(JsonObject? master, JsonObject selfSigning)
        {
            var content = new JsonObject { ["user_id"] = bob.UserId, ["self_signing_key"] = selfSigning };
            if (master is not null) content["master_key"] = master;
            return Edu(SigningKeyUpdateSender.EduType, content);
        }

        async Task<string?> StoredAsync(string type)
        {
            await using var db = Hs1.Db();
            return (await KeyReader.CrossSigningKeyAsync(db, bob.UserId, type, CancellationToken.None))?.PublicKey;
        }

        await Hs2.PushEdusAsync(Hs1, [SigningKeyUpdate(TestKeys.CrossSigningKey(bob.UserId, "master", crossSigning.Master),
            TestKeys.CrossSigningKey(bob.UserId, "self_signing", crossSigning.SelfSigning, stranger))]);
        Assert.Equal(crossSigning.Master.VerifyKey.Base64, await StoredAsync(KeyReader.Master));
        Assert.Null(await StoredAsync(KeyReader.SelfSigning));

        // Signed by the master key held from before: stored.
        await Hs2.PushEdusAsync(Hs1, [SigningKeyUpdate(null, TestKeys.CrossSigningKey(bob.UserId, "self_signing", crossSigning.SelfSigning, crossSigning.Master))]);
        Assert.Equal(crossSigning.SelfSigning.VerifyKey.Base64, await StoredAsync(KeyReader.SelfSigning));
    }

    [Fact]
    public async Task Updates_in_order_apply_and_a_gap_makes_us_fetch_the_whole_list()
    {
        var (_, alice, bob) = await fixture.SharedRoomAsync();
        using var deviceKey = TestKeys.NewKey();
        await Hs2.UploadDeviceAsync(bob, deviceKey);
        await Hs1.QueryAsync(alice, FederatedKeys.AllDevicesOf(bob));
        var held = (await Hs1.CachedAsync(bob.UserId)).StreamId!.Value;

        // Next in the chain: applied as it is (hs2 never had this device; only the update says so).
        var direct = bob with { DeviceId = "DIRECT" };
        using var directKey = TestKeys.NewKey();
        await Hs2.PushEdusAsync(Hs1, [Update(bob, "DIRECT", held + 1, held, TestKeys.DeviceKeys(direct, directKey))]);
        var (streamId, devices) = await Hs1.CachedAsync(bob.UserId);
        Assert.Equal(held + 1, streamId);
        Assert.Equal(["DIRECT", bob.DeviceId], devices.Select(d => d.DeviceId).Order(StringComparer.Ordinal));

        // Already seen: nothing changes. Deleted, in order: gone.
        await Hs2.PushEdusAsync(Hs1, [Update(bob, "OLD", held + 1, held, TestKeys.DeviceKeys(bob with { DeviceId = "OLD" }, directKey))]);
        await Hs2.PushEdusAsync(Hs1, [Update(bob, "DIRECT", held + 2, held + 1, deleted: true)]);
        Assert.Equal([bob.DeviceId], (await Hs1.CachedAsync(bob.UserId)).Devices.Select(d => d.DeviceId));

        // A gap: the update is not applied; the list is fetched from hs2, as hs2 has it.
        var ghost = bob with { DeviceId = "GHOST" };
        await Hs2.PushEdusAsync(Hs1, [Update(bob, "GHOST", held + 10, held + 9, TestKeys.DeviceKeys(ghost, directKey))]);
        (streamId, devices) = await Hs1.CachedAsync(bob.UserId);
        await using (var db = Hs2.Db())
        {
            Assert.Equal(await DeviceListStreams.CurrentAsync(db, bob.UserId, CancellationToken.None), streamId);
        }

        Assert.Equal([bob.DeviceId], devices.Select(d => d.DeviceId));
        Assert.True(JsonNode.DeepEquals(TestKeys.DeviceKeys(bob, deviceKey), JsonNode.Parse(devices[0].KeysJson!)));
    }

    [Fact]
    public async Task Updates_about_users_of_another_server_are_ignored()
    {
        var (_, alice, _) = await fixture.SharedRoomAsync();
        using var deviceKey = TestKeys.NewKey();
        await Hs1.UploadDeviceAsync(alice, deviceKey);
        var forged = alice with { DeviceId = "FORGED" };
        using var crossSigning = new CrossSigningKeys(alice.UserId);

        // hs2 speaks for hs1's alice: a device list update and new cross-signing keys.
        await Hs2.PushEdusAsync(Hs1, [
            Update(alice, "FORGED", 1000, 999, TestKeys.DeviceKeys(forged, deviceKey)),
            Edu(SigningKeyUpdateSender.EduType, new JsonObject
            {
                ["user_id"] = alice.UserId,
                ["master_key"] = TestKeys.CrossSigningKey(alice.UserId, "master", crossSigning.Master),
            }),
        ]);

        Assert.Null((await Hs1.CachedAsync(alice.UserId)).StreamId);
        var answer = await Hs1.QueryAsync(alice, FederatedKeys.AllDevicesOf(alice));
        Assert.Equal([alice.DeviceId], answer["device_keys"]![alice.UserId]!.AsObject().Select(d => d.Key));
        Assert.Null(answer["master_keys"]![alice.UserId]);
    }

    [Fact]
    public async Task A_user_nobody_shares_a_room_with_any_more_is_forgotten()
    {
        var (roomId, alice, bob) = await fixture.SharedRoomAsync();
        using var deviceKey = TestKeys.NewKey();
        await Hs2.UploadDeviceAsync(bob, deviceKey);
        await Hs1.QueryAsync(alice, FederatedKeys.AllDevicesOf(bob));
        Assert.NotNull((await Hs1.CachedAsync(bob.UserId)).StreamId);

        var leave = Hs2.Build(roomId, await Hs1.SnapshotAsync(roomId), bob.UserId, EventTypes.Member, bob.UserId, FederatedRooms.Membership(Memberships.Leave));
        await Hs2.PushEdusAsync(Hs1, [], [leave]);
        Assert.True(await Eventually.HoldsAsync(async () => (await Hs1.CachedAsync(bob.UserId)).StreamId is null));
        Assert.Empty((await Hs1.CachedAsync(bob.UserId)).Devices);
    }
}
