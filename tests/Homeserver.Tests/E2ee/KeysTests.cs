using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.E2ee;

/// <summary>POST /keys/upload, /keys/query, /keys/claim and GET /keys/changes over HTTP.</summary>
public sealed class KeysTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private TestHomeserver Server => fixture.Server;

    private Task<MatrixResponse> UploadAsync(TestUser user, JsonObject body) => Server.Http.PostJsonAsync("/_matrix/client/v3/keys/upload", body, user.AccessToken);

    private Task<MatrixResponse> QueryAsync(TestUser user, JsonObject deviceKeys) =>
        Server.Http.PostJsonAsync("/_matrix/client/v3/keys/query", new JsonObject { ["device_keys"] = deviceKeys }, user.AccessToken);

    private Task<MatrixResponse> ClaimAsync(TestUser user, string target, string deviceId, string algorithm = "signed_curve25519") =>
        Server.Http.PostJsonAsync("/_matrix/client/v3/keys/claim", new JsonObject
        {
            ["one_time_keys"] = new JsonObject { [target] = new JsonObject { [deviceId] = algorithm } },
        }, user.AccessToken);

    private static JsonObject OneTimeKeys(int from, int count, string prefix = "otk") =>
        new(Enumerable.Range(from, count).Select(i => KeyValuePair.Create<string, JsonNode?>($"signed_curve25519:K{i}", new JsonObject { ["key"] = $"{prefix}{i}" })));

    [Fact]
    public async Task Uploaded_device_keys_are_served_by_query_with_the_display_name_and_counts_answer_each_upload()
    {
        var alice = await Server.CreateUserAsync("upload_alice", deviceId: "ALICEDEV");
        var bob = await Server.CreateUserAsync("upload_bob");
        using var deviceKey = TestKeys.NewKey();
        await Server.Http.PutJsonAsync($"/_matrix/client/v3/devices/{alice.DeviceId}", new JsonObject { ["display_name"] = "Alice's phone" }, alice.AccessToken);

        var counts = (await UploadAsync(alice, new JsonObject
        {
            ["device_keys"] = TestKeys.DeviceKeys(alice, deviceKey),
            ["one_time_keys"] = OneTimeKeys(0, 3),
            ["fallback_keys"] = new JsonObject { ["signed_curve25519:F1"] = new JsonObject { ["key"] = "fallback1", ["fallback"] = true } },
        })).Ok();
        Assert.Equal(3, counts["one_time_key_counts"]!["signed_curve25519"]!.GetValue<long>());

        var answer = (await QueryAsync(bob, new JsonObject { [alice.UserId] = new JsonArray(), ["@someone:remote.example"] = new JsonArray() })).Ok();
        var device = answer["device_keys"]![alice.UserId]![alice.DeviceId]!.AsObject();
        Assert.Equal(deviceKey.VerifyKey.Base64, device["keys"]![$"ed25519:{alice.DeviceId}"]!.GetValue<string>());
        Assert.Equal("Alice's phone", device["unsigned"]!["device_display_name"]!.GetValue<string>());
        Assert.NotNull(device["signatures"]![alice.UserId]![$"ed25519:{alice.DeviceId}"]);
        // Remote users fail until federation answers for them.
        Assert.NotNull(answer["failures"]!["remote.example"]);

        // Asking for a device it does not have gives an empty map.
        var none = (await QueryAsync(bob, new JsonObject { [alice.UserId] = new JsonArray("NOSUCHDEVICE") })).Ok();
        Assert.Empty(none["device_keys"]![alice.UserId]!.AsObject());
        Assert.Contains(fixture.Publisher.OfType<DeviceListChanged>(), n => n.UserId == alice.UserId && n.DeviceId == alice.DeviceId);
    }

    [Fact]
    public async Task Device_keys_must_be_the_callers_own_and_well_formed_and_new_ones_replace_the_old()
    {
        var alice = await Server.CreateUserAsync("shape_alice", deviceId: "SHAPEDEV");
        using var deviceKey = TestKeys.NewKey();
        using var otherKey = TestKeys.NewKey();

        (await UploadAsync(alice, new JsonObject { ["device_keys"] = TestKeys.DeviceKeys(alice with { DeviceId = "OTHER" }, deviceKey) }))
            .IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

        var unsigned = TestKeys.DeviceKeys(alice, deviceKey);
        unsigned.Remove("signatures");
        (await UploadAsync(alice, new JsonObject { ["device_keys"] = unsigned })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");

        var noAlgorithms = TestKeys.DeviceKeys(alice, deviceKey);
        noAlgorithms.Remove("algorithms");
        (await UploadAsync(alice, new JsonObject { ["device_keys"] = noAlgorithms })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await UploadAsync(alice, new JsonObject { ["device_keys"] = "not an object" })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");

        (await UploadAsync(alice, new JsonObject { ["device_keys"] = TestKeys.DeviceKeys(alice, deviceKey) })).Ok();
        // The same keys again change nothing; other identity keys replace them as Synapse does (clients that knew the
        // old ones see the change when they query, and refuse it) and are a device-list change.
        var changes = fixture.Publisher.OfType<DeviceListChanged>().Count(n => n.UserId == alice.UserId);
        (await UploadAsync(alice, new JsonObject { ["device_keys"] = TestKeys.DeviceKeys(alice, deviceKey) })).Ok();
        Assert.Equal(changes, fixture.Publisher.OfType<DeviceListChanged>().Count(n => n.UserId == alice.UserId));
        (await UploadAsync(alice, new JsonObject { ["device_keys"] = TestKeys.DeviceKeys(alice, otherKey) })).Ok();
        Assert.Equal(changes + 1, fixture.Publisher.OfType<DeviceListChanged>().Count(n => n.UserId == alice.UserId));
        var served = (await QueryAsync(alice, new JsonObject { [alice.UserId] = new JsonArray() })).Ok();
        Assert.Equal(otherKey.VerifyKey.Base64, served["device_keys"]![alice.UserId]![alice.DeviceId]!["keys"]![$"ed25519:{alice.DeviceId}"]!.GetValue<string>());
        // A device without a name still has its unsigned object, as Synapse answers.
        Assert.Empty(served["device_keys"]![alice.UserId]![alice.DeviceId]!["unsigned"]!.AsObject());

        (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/upload", new JsonObject())).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task One_time_keys_are_idempotent_per_key_id_and_refuse_a_different_key_under_a_used_id()
    {
        var alice = await Server.CreateUserAsync("otk_alice");
        (await UploadAsync(alice, new JsonObject { ["one_time_keys"] = OneTimeKeys(0, 2) })).Ok();
        var again = (await UploadAsync(alice, new JsonObject { ["one_time_keys"] = OneTimeKeys(0, 2) })).Ok();
        Assert.Equal(2, again["one_time_key_counts"]!["signed_curve25519"]!.GetValue<long>());

        (await UploadAsync(alice, new JsonObject { ["one_time_keys"] = OneTimeKeys(1, 1, prefix: "different") })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await UploadAsync(alice, new JsonObject { ["one_time_keys"] = new JsonObject { ["no_colon"] = "k" } })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await UploadAsync(alice, new JsonObject { ["one_time_keys"] = new JsonObject { ["curve25519:A"] = 5 } })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");

        // An empty upload still answers the counts, with signed_curve25519 always present.
        var empty = (await UploadAsync(await Server.CreateUserAsync("otk_empty"), new JsonObject())).Ok();
        Assert.Equal(0, empty["one_time_key_counts"]!["signed_curve25519"]!.GetValue<long>());
    }

    [Fact]
    public async Task Claims_take_each_one_time_key_once_then_fall_back_to_the_fallback_key()
    {
        var alice = await Server.CreateUserAsync("claim_alice", deviceId: "CLAIMDEV");
        var bob = await Server.CreateUserAsync("claim_bob");
        (await UploadAsync(alice, new JsonObject
        {
            ["one_time_keys"] = OneTimeKeys(0, 20),
            ["fallback_keys"] = new JsonObject { ["signed_curve25519:FB"] = new JsonObject { ["key"] = "fallback", ["fallback"] = true } },
        })).Ok();

        // Twenty concurrent claims: every one gets a different one-time key.
        var claims = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ClaimAsync(bob, alice.UserId, alice.DeviceId)));
        var keyIds = claims.Select(c => c.Ok()["one_time_keys"]![alice.UserId]![alice.DeviceId]!.AsObject().Single().Key).ToList();
        Assert.Equal(20, keyIds.Distinct().Count());
        Assert.DoesNotContain("signed_curve25519:FB", keyIds);

        // Then the fallback key, reported as used afterwards.
        var fallback = (await ClaimAsync(bob, alice.UserId, alice.DeviceId)).Ok();
        Assert.Equal("fallback", fallback["one_time_keys"]![alice.UserId]![alice.DeviceId]!["signed_curve25519:FB"]!["key"]!.GetValue<string>());
        var db = Server.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Storage.HomeserverDbContext>>();
        await using (var context = await db.CreateDbContextAsync())
        {
            Assert.Empty(await OneTimeKeyCounts.UnusedFallbackAlgorithmsAsync(context, alice.UserId, alice.DeviceId, CancellationToken.None));
        }

        // Unknown devices and algorithms give nothing; remote users are failures.
        var nothing = (await ClaimAsync(bob, alice.UserId, "NODEVICE")).Ok();
        Assert.Empty(nothing["one_time_keys"]!.AsObject());
        var remote = (await ClaimAsync(bob, "@x:remote.example", "DEV")).Ok();
        Assert.NotNull(remote["failures"]!["remote.example"]);
        (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/claim", new JsonObject(), bob.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/query", new JsonObject(), bob.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
    }

    [Fact]
    public async Task Changes_list_users_sharing_a_room_whose_keys_changed_and_users_who_left()
    {
        var alice = await Server.CreateUserAsync("changes_alice");
        var bob = await Server.CreateUserAsync("changes_bob", deviceId: "BOBDEV");
        var carol = await Server.CreateUserAsync("changes_carol", deviceId: "CAROLDEV");
        var roomId = await Server.CreateRoomAsync(alice);
        await Server.JoinAsync(roomId, bob);
        var streams = Server.Services.GetRequiredService<StreamIdGenerator>();
        var from = $"s{streams.Current}_0";

        using var bobKey = TestKeys.NewKey();
        using var carolKey = TestKeys.NewKey();
        (await UploadAsync(bob, new JsonObject { ["device_keys"] = TestKeys.DeviceKeys(bob, bobKey) })).Ok();
        (await UploadAsync(carol, new JsonObject { ["device_keys"] = TestKeys.DeviceKeys(carol, carolKey) })).Ok();
        var to = $"s{streams.Current}_0";

        var changes = (await Server.Http.GetJsonAsync($"/_matrix/client/v3/keys/changes?from={from}&to={to}", alice.AccessToken)).Ok();
        Assert.Equal([bob.UserId], changes["changed"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Empty(changes["left"]!.AsArray());

        await Server.SendEventsAsync(roomId, Matrix.Homeserver.Events.Pipeline.EventDraft.Member(bob.UserId, bob.UserId, "leave"));
        var afterLeave = (await Server.Http.GetJsonAsync($"/_matrix/client/v3/keys/changes?from={to}&to=s{streams.Current}", alice.AccessToken)).Ok();
        Assert.Equal([bob.UserId], afterLeave["left"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Empty(afterLeave["changed"]!.AsArray());

        (await Server.Http.GetJsonAsync($"/_matrix/client/v3/keys/changes?to={to}", alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await Server.Http.GetJsonAsync($"/_matrix/client/v3/keys/changes?from=garbage&to={to}", alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Deleting_a_device_drops_its_keys_and_announces_the_change()
    {
        var alice = await Server.RegisterAsync("delete_alice");
        var second = await Server.LoginAsync(alice);
        using var deviceKey = TestKeys.NewKey();
        (await UploadAsync(second, new JsonObject { ["device_keys"] = TestKeys.DeviceKeys(second, deviceKey), ["one_time_keys"] = OneTimeKeys(0, 1) })).Ok();

        var challenge = await Server.Http.SendAsync(HttpMethod.Delete, $"/_matrix/client/v3/devices/{second.DeviceId}", new JsonObject(), alice.AccessToken);
        var session = challenge.Object["session"]!.GetValue<string>();
        (await Server.Http.SendAsync(HttpMethod.Delete, $"/_matrix/client/v3/devices/{second.DeviceId}",
            new JsonObject { ["auth"] = alice.PasswordAuth(session) }, alice.AccessToken)).Ok();

        var answer = (await QueryAsync(alice, new JsonObject { [alice.UserId] = new JsonArray() })).Ok();
        Assert.Null(answer["device_keys"]![alice.UserId]![second.DeviceId]);
        Assert.Contains(fixture.Publisher.OfType<DeviceListChanged>(), n => n.UserId == alice.UserId && n.DeviceId == second.DeviceId && n.Deleted);
        Assert.Empty((await ClaimAsync(alice, alice.UserId, second.DeviceId)).Ok()["one_time_keys"]!.AsObject());
    }
}
