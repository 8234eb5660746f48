using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.E2ee;

/// <summary>POST /keys/device_signing/upload and /keys/signatures/upload, as seen through /keys/query.</summary>
public sealed class CrossSigningTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private TestHomeserver Server => fixture.Server;

    private Task<MatrixResponse> UploadSigningKeysAsync(TestUser user, JsonObject body) =>
        Server.Http.PostJsonAsync("/_matrix/client/v3/keys/device_signing/upload", body, user.AccessToken);

    private Task<MatrixResponse> UploadSignaturesAsync(TestUser user, JsonObject body) =>
        Server.Http.PostJsonAsync("/_matrix/client/v3/keys/signatures/upload", body, user.AccessToken);

    private async Task<JsonObject> QueryAsync(TestUser viewer, string userId) =>
        (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { [userId] = new JsonArray() } }, viewer.AccessToken)).Ok();

    [Fact]
    public async Task First_upload_needs_no_password_replacing_needs_one_and_re_uploading_the_same_keys_does_not()
    {
        var alice = await Server.RegisterAsync("xs_alice");
        using var first = new CrossSigningKeys(alice.UserId);
        (await UploadSigningKeysAsync(alice, first.UploadBody())).Ok();
        (await UploadSigningKeysAsync(alice, first.UploadBody())).Ok();
        Assert.Contains(fixture.Publisher.OfType<SigningKeysChanged>(), n => n.UserId == alice.UserId);

        using var second = new CrossSigningKeys(alice.UserId);
        var challenge = await UploadSigningKeysAsync(alice, second.UploadBody());
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.Status);
        var body = second.UploadBody();
        body["auth"] = alice.PasswordAuth(challenge.Object["session"]!.GetValue<string>());
        (await UploadSigningKeysAsync(alice, body)).Ok();

        var keys = await QueryAsync(alice, alice.UserId);
        Assert.NotNull(keys["master_keys"]![alice.UserId]!["keys"]![TestKeys.KeyId(second.Master)]);
        Assert.NotNull(keys["self_signing_keys"]![alice.UserId]!["keys"]![TestKeys.KeyId(second.SelfSigning)]);
        Assert.NotNull(keys["user_signing_keys"]![alice.UserId]);
    }

    [Fact]
    public async Task Keys_must_have_the_right_owner_usage_and_master_signature()
    {
        var alice = await Server.CreateUserAsync("xs_shape");
        using var keys = new CrossSigningKeys(alice.UserId);
        using var stranger = TestKeys.NewKey();

        var wrongOwner = keys.UploadBody();
        wrongOwner["master_key"] = TestKeys.CrossSigningKey("@mallory:localhost", "master", keys.Master);
        (await UploadSigningKeysAsync(alice, wrongOwner)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

        var wrongUsage = keys.UploadBody();
        wrongUsage["master_key"] = TestKeys.CrossSigningKey(alice.UserId, "self_signing", keys.Master);
        (await UploadSigningKeysAsync(alice, wrongUsage)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

        var badSignature = keys.UploadBody();
        badSignature["self_signing_key"] = TestKeys.CrossSigningKey(alice.UserId, "self_signing", keys.SelfSigning, stranger);
        (await UploadSigningKeysAsync(alice, badSignature)).IsError(HttpStatusCode.BadRequest, "M_INVALID_SIGNATURE");

        var noMaster = new JsonObject { ["self_signing_key"] = TestKeys.CrossSigningKey(alice.UserId, "self_signing", keys.SelfSigning, keys.Master) };
        (await UploadSigningKeysAsync(alice, noMaster)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
    }

    [Fact]
    public async Task Valid_signatures_are_stored_and_served_invalid_ones_are_listed_in_failures()
    {
        var alice = await Server.CreateUserAsync("sig_alice", deviceId: "SIGDEV");
        var bob = await Server.CreateUserAsync("sig_bob");
        var carol = await Server.CreateUserAsync("sig_carol");
        using var aliceKeys = new CrossSigningKeys(alice.UserId);
        using var bobKeys = new CrossSigningKeys(bob.UserId);
        using var deviceKey = TestKeys.NewKey();
        using var stranger = TestKeys.NewKey();
        (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/upload", new JsonObject { ["device_keys"] = TestKeys.DeviceKeys(alice, deviceKey) }, alice.AccessToken)).Ok();
        (await UploadSigningKeysAsync(alice, aliceKeys.UploadBody())).Ok();
        (await UploadSigningKeysAsync(bob, bobKeys.UploadBody())).Ok();

        // Alice's self-signing key over her device; her device over her master key; her user-signing key over Bob's master key.
        var device = TestKeys.Sign(TestKeys.DeviceKeys(alice, deviceKey), alice.UserId, TestKeys.KeyId(aliceKeys.SelfSigning), aliceKeys.SelfSigning);
        var master = TestKeys.Sign(TestKeys.CrossSigningKey(alice.UserId, "master", aliceKeys.Master), alice.UserId, $"ed25519:{alice.DeviceId}", deviceKey);
        var bobMaster = TestKeys.Sign(TestKeys.CrossSigningKey(bob.UserId, "master", bobKeys.Master), alice.UserId, TestKeys.KeyId(aliceKeys.UserSigning), aliceKeys.UserSigning);
        var answer = (await UploadSignaturesAsync(alice, new JsonObject
        {
            [alice.UserId] = new JsonObject { [alice.DeviceId] = device, [aliceKeys.Master.VerifyKey.Base64] = master },
            [bob.UserId] = new JsonObject { [bobKeys.Master.VerifyKey.Base64] = bobMaster },
        })).Ok();
        Assert.Empty(answer["failures"]!.AsObject());

        var seenByBob = await QueryAsync(bob, alice.UserId);
        Assert.NotNull(seenByBob["device_keys"]![alice.UserId]![alice.DeviceId]!["signatures"]![alice.UserId]![TestKeys.KeyId(aliceKeys.SelfSigning)]);
        Assert.NotNull(seenByBob["master_keys"]![alice.UserId]!["signatures"]![alice.UserId]![$"ed25519:{alice.DeviceId}"]);
        Assert.Null(seenByBob["user_signing_keys"]![alice.UserId]);

        // Alice's signature on Bob's master key is Alice's business only.
        Assert.NotNull((await QueryAsync(alice, bob.UserId))["master_keys"]![bob.UserId]!["signatures"]![alice.UserId]);
        Assert.Null((await QueryAsync(carol, bob.UserId))["master_keys"]![bob.UserId]!["signatures"]?[alice.UserId]);

        // Forged and unknown targets fail one by one.
        var forged = TestKeys.Sign(TestKeys.DeviceKeys(alice, deviceKey), alice.UserId, TestKeys.KeyId(aliceKeys.SelfSigning), stranger);
        var failures = (await UploadSignaturesAsync(alice, new JsonObject
        {
            [alice.UserId] = new JsonObject { [alice.DeviceId] = forged, ["NOSUCHDEVICE"] = new JsonObject() },
        })).Ok()["failures"]![alice.UserId]!;
        Assert.Equal("M_INVALID_SIGNATURE", failures[alice.DeviceId]!["errcode"]!.GetValue<string>());
        Assert.Equal("M_NOT_FOUND", failures["NOSUCHDEVICE"]!["errcode"]!.GetValue<string>());
        (await UploadSignaturesAsync(alice, new JsonObject { [alice.UserId] = "not an object" })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    private async Task<string> PositionAsync(TestUser user) =>
        (await Server.Http.GetJsonAsync("/_matrix/client/v3/sync?timeout=0", user.AccessToken)).Ok()["next_batch"]!.GetValue<string>();

    private async Task<List<string>> ChangedSinceAsync(TestUser user, string from)
    {
        var to = await PositionAsync(user);
        var changes = (await Server.Http.GetJsonAsync($"/_matrix/client/v3/keys/changes?from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}",
            user.AccessToken)).Ok();
        return [.. changes["changed"]!.AsArray().Select(u => u!.GetValue<string>())];
    }

    [Fact]
    public async Task A_user_signing_key_and_the_signatures_it_makes_are_news_to_their_owner_only()
    {
        var alice = await Server.RegisterAsync("priv_alice");
        var bob = await Server.CreateUserAsync("priv_bob");
        var carol = await Server.CreateUserAsync("priv_carol");
        var roomId = await Server.CreateRoomAsync(alice);
        await Server.JoinAsync(roomId, bob);
        await Server.JoinAsync(roomId, carol);
        using var aliceKeys = new CrossSigningKeys(alice.UserId);
        using var bobKeys = new CrossSigningKeys(bob.UserId);
        var masterAndSelf = aliceKeys.UploadBody();
        masterAndSelf.Remove("user_signing_key");
        (await UploadSigningKeysAsync(alice, masterAndSelf)).Ok();
        var bobMasterOnly = new JsonObject { ["master_key"] = TestKeys.CrossSigningKey(bob.UserId, "master", bobKeys.Master) };
        (await UploadSigningKeysAsync(bob, bobMasterOnly)).Ok();
        var (aliceFrom, bobFrom, carolFrom) = (await PositionAsync(alice), await PositionAsync(bob), await PositionAsync(carol));

        // Alice's user-signing key alone: she hears of it, the members sharing her room do not (nor do other servers).
        var userSigning = new JsonObject { ["user_signing_key"] = TestKeys.CrossSigningKey(alice.UserId, "user_signing", aliceKeys.UserSigning, aliceKeys.Master) };
        var challenge = await UploadSigningKeysAsync(alice, userSigning);
        userSigning["auth"] = alice.PasswordAuth(challenge.Object["session"]!.GetValue<string>());
        var published = fixture.Publisher.OfType<SigningKeysChanged>().Count(n => n.UserId == alice.UserId);
        (await UploadSigningKeysAsync(alice, userSigning)).Ok();
        Assert.Contains(alice.UserId, await ChangedSinceAsync(alice, aliceFrom));
        Assert.DoesNotContain(alice.UserId, await ChangedSinceAsync(bob, bobFrom));
        Assert.Equal(published, fixture.Publisher.OfType<SigningKeysChanged>().Count(n => n.UserId == alice.UserId));

        // Her signature over Bob's master key: news to her (Bob's keys now say more to her), to nobody else.
        (aliceFrom, bobFrom) = (await PositionAsync(alice), await PositionAsync(bob));
        var bobMaster = TestKeys.Sign(TestKeys.CrossSigningKey(bob.UserId, "master", bobKeys.Master), alice.UserId, TestKeys.KeyId(aliceKeys.UserSigning), aliceKeys.UserSigning);
        Assert.Empty((await UploadSignaturesAsync(alice, new JsonObject { [bob.UserId] = new JsonObject { [bobKeys.Master.VerifyKey.Base64] = bobMaster } }))
            .Ok()["failures"]!.AsObject());
        Assert.Contains(bob.UserId, await ChangedSinceAsync(alice, aliceFrom));
        Assert.DoesNotContain(bob.UserId, await ChangedSinceAsync(bob, bobFrom));
        Assert.DoesNotContain(bob.UserId, await ChangedSinceAsync(carol, carolFrom));
    }
}
