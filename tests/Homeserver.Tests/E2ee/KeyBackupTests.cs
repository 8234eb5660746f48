using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.E2ee;

/// <summary>Server-side key backups: /room_keys/version and /room_keys/keys over HTTP.</summary>
public sealed class KeyBackupTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private const string Algorithm = "m.megolm_backup.v1.curve25519-aes-sha2";
    private TestHomeserver Server => fixture.Server;

    private static JsonObject Version(string publicKey = "backupPublicKey") => new()
    {
        ["algorithm"] = Algorithm,
        ["auth_data"] = new JsonObject { ["public_key"] = publicKey, ["signatures"] = new JsonObject() },
    };

    private static JsonObject Key(long firstIndex, long forwarded, bool verified, string data) => new()
    {
        ["first_message_index"] = firstIndex,
        ["forwarded_count"] = forwarded,
        ["is_verified"] = verified,
        ["session_data"] = new JsonObject { ["ciphertext"] = data, ["ephemeral"] = "e", ["mac"] = "m" },
    };

    private async Task<string> CreateVersionAsync(TestUser user) =>
        (await Server.Http.PostJsonAsync("/_matrix/client/v3/room_keys/version", Version(), user.AccessToken)).Ok()["version"]!.GetValue<string>();

    private Task<MatrixResponse> PutKeyAsync(TestUser user, string version, JsonObject key, string session = "session1") =>
        Server.Http.PutJsonAsync($"/_matrix/client/v3/room_keys/keys/!room:localhost/{session}?version={version}", key, user.AccessToken);

    [Fact]
    public async Task Versions_are_created_read_updated_and_deleted()
    {
        var alice = await Server.CreateUserAsync("backup_versions");
        (await Server.Http.GetJsonAsync("/_matrix/client/v3/room_keys/version", alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");

        var v1 = await CreateVersionAsync(alice);
        var v2 = await CreateVersionAsync(alice);
        Assert.Equal("1", v1);
        Assert.Equal("2", v2);
        var current = (await Server.Http.GetJsonAsync("/_matrix/client/v3/room_keys/version", alice.AccessToken)).Ok();
        Assert.Equal(v2, current["version"]!.GetValue<string>());
        Assert.Equal(Algorithm, current["algorithm"]!.GetValue<string>());
        Assert.Equal(0, current["count"]!.GetValue<int>());
        Assert.NotNull(current["etag"]);

        var update = Version("newKey");
        update["version"] = v2;
        (await Server.Http.PutJsonAsync($"/_matrix/client/v3/room_keys/version/{v2}", update, alice.AccessToken)).Ok();
        Assert.Equal("newKey", (await Server.Http.GetJsonAsync($"/_matrix/client/v3/room_keys/version/{v2}", alice.AccessToken)).Ok()["auth_data"]!["public_key"]!.GetValue<string>());
        update["version"] = v1;
        (await Server.Http.PutJsonAsync($"/_matrix/client/v3/room_keys/version/{v2}", update, alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        var otherAlgorithm = Version();
        otherAlgorithm["algorithm"] = "m.other";
        (await Server.Http.PutJsonAsync($"/_matrix/client/v3/room_keys/version/{v2}", otherAlgorithm, alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Server.Http.PostJsonAsync("/_matrix/client/v3/room_keys/version", new JsonObject { ["algorithm"] = Algorithm }, alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        // auth_data is the algorithm's, kept as given whatever its JSON type (as Synapse keeps it).
        var bob = await Server.CreateUserAsync("backup_opaque");
        var opaque = (await Server.Http.PostJsonAsync("/_matrix/client/v3/room_keys/version",
            new JsonObject { ["algorithm"] = "org.example.opaque", ["auth_data"] = "anopaquestring" }, bob.AccessToken)).Ok()["version"]!.GetValue<string>();
        Assert.Equal("anopaquestring", (await Server.Http.GetJsonAsync($"/_matrix/client/v3/room_keys/version/{opaque}", bob.AccessToken)).Ok()["auth_data"]!.GetValue<string>());
        // So is a session's session_data; and an update may echo the version as a number (older clients do).
        (await Server.Http.PutJsonAsync($"/_matrix/client/v3/room_keys/keys/{Uri.EscapeDataString("!r:hs")}/S1?version={opaque}", new JsonObject
        {
            ["first_message_index"] = 0, ["forwarded_count"] = 0, ["is_verified"] = false, ["session_data"] = "anopaquesession",
        }, bob.AccessToken)).Ok();
        Assert.Equal("anopaquesession", (await Server.Http.GetJsonAsync($"/_matrix/client/v3/room_keys/keys/{Uri.EscapeDataString("!r:hs")}/S1?version={opaque}", bob.AccessToken))
            .Ok()["session_data"]!.GetValue<string>());
        (await Server.Http.PutJsonAsync($"/_matrix/client/v3/room_keys/version/{opaque}",
            new JsonObject { ["algorithm"] = "org.example.opaque", ["auth_data"] = "other", ["version"] = long.Parse(opaque) }, bob.AccessToken)).Ok();

        (await Server.Http.DeleteJsonAsync($"/_matrix/client/v3/room_keys/version/{v2}", alice.AccessToken)).Ok();
        (await Server.Http.GetJsonAsync($"/_matrix/client/v3/room_keys/version/{v2}", alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Server.Http.DeleteJsonAsync($"/_matrix/client/v3/room_keys/version/{v2}", alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.Equal(v1, (await Server.Http.GetJsonAsync("/_matrix/client/v3/room_keys/version", alice.AccessToken)).Ok()["version"]!.GetValue<string>());
        // A deleted version's number is not reused.
        Assert.Equal("3", await CreateVersionAsync(alice));
    }

    [Fact]
    public async Task Keys_go_only_to_the_current_version_and_are_replaced_only_by_better_ones()
    {
        var alice = await Server.CreateUserAsync("backup_keys");
        var bob = await Server.CreateUserAsync("backup_other");
        var old = await CreateVersionAsync(alice);
        var version = await CreateVersionAsync(alice);

        var wrong = await PutKeyAsync(alice, old, Key(0, 0, false, "x"));
        wrong.IsError(HttpStatusCode.Forbidden, "M_WRONG_ROOM_KEYS_VERSION");
        Assert.Equal(version, wrong.Object["current_version"]!.GetValue<string>());
        (await PutKeyAsync(bob, "1", Key(0, 0, false, "x"))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Server.Http.PutJsonAsync("/_matrix/client/v3/room_keys/keys/!room:localhost/s", Key(0, 0, false, "x"), alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await PutKeyAsync(alice, version, new JsonObject { ["first_message_index"] = "zero" })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");

        var first = (await PutKeyAsync(alice, version, Key(5, 1, false, "first"))).Ok();
        Assert.Equal(1, first["count"]!.GetValue<int>());
        async Task<string> StoredAsync() =>
            (await Server.Http.GetJsonAsync($"/_matrix/client/v3/room_keys/keys/!room:localhost/session1?version={version}", alice.AccessToken)).Ok()["session_data"]!["ciphertext"]!.GetValue<string>();

        // Worse: a higher index; same quality: kept; the etag stays.
        var worse = (await PutKeyAsync(alice, version, Key(6, 0, false, "worse"))).Ok();
        Assert.Equal(first["etag"]!.GetValue<string>(), worse["etag"]!.GetValue<string>());
        (await PutKeyAsync(alice, version, Key(5, 1, false, "same"))).Ok();
        Assert.Equal("first", await StoredAsync());

        // Better: fewer forwards, then a lower index, then verified beats everything.
        (await PutKeyAsync(alice, version, Key(5, 0, false, "fewer forwards"))).Ok();
        Assert.Equal("fewer forwards", await StoredAsync());
        (await PutKeyAsync(alice, version, Key(2, 9, false, "lower index"))).Ok();
        Assert.Equal("lower index", await StoredAsync());
        var verified = (await PutKeyAsync(alice, version, Key(9, 9, true, "verified"))).Ok();
        Assert.Equal("verified", await StoredAsync());
        Assert.NotEqual(first["etag"]!.GetValue<string>(), verified["etag"]!.GetValue<string>());
        (await PutKeyAsync(alice, version, Key(0, 0, false, "unverified"))).Ok();
        Assert.Equal("verified", await StoredAsync());

        // The whole-backup and per-room forms.
        var rooms = new JsonObject
        {
            ["rooms"] = new JsonObject
            {
                ["!other:localhost"] = new JsonObject { ["sessions"] = new JsonObject { ["a"] = Key(0, 0, false, "a"), ["b"] = Key(0, 0, false, "b") } },
            },
        };
        Assert.Equal(3, (await Server.Http.PutJsonAsync($"/_matrix/client/v3/room_keys/keys?version={version}", rooms, alice.AccessToken)).Ok()["count"]!.GetValue<int>());
        var all = (await Server.Http.GetJsonAsync($"/_matrix/client/v3/room_keys/keys?version={version}", alice.AccessToken)).Ok();
        Assert.Equal(2, all["rooms"]!.AsObject().Count);
        var room = (await Server.Http.GetJsonAsync($"/_matrix/client/v3/room_keys/keys/!other:localhost?version={version}", alice.AccessToken)).Ok();
        Assert.Equal(2, room["sessions"]!.AsObject().Count);
        Assert.Empty((await Server.Http.GetJsonAsync($"/_matrix/client/v3/room_keys/keys/!none:localhost?version={version}", alice.AccessToken)).Ok()["sessions"]!.AsObject());
        (await Server.Http.GetJsonAsync($"/_matrix/client/v3/room_keys/keys/!none:localhost/x?version={version}", alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");

        // One room's sessions in one request; one session deleted alone.
        var third = new JsonObject { ["sessions"] = new JsonObject { ["c"] = Key(0, 0, false, "c") } };
        Assert.Equal(4, (await Server.Http.PutJsonAsync($"/_matrix/client/v3/room_keys/keys/!third:localhost?version={version}", third, alice.AccessToken)).Ok()["count"]!.GetValue<int>());
        Assert.Equal("c", (await Server.Http.GetJsonAsync($"/_matrix/client/v3/room_keys/keys/!third:localhost/c?version={version}", alice.AccessToken)).Ok()
            ["session_data"]!["ciphertext"]!.GetValue<string>());
        Assert.Equal(3, (await Server.Http.DeleteJsonAsync($"/_matrix/client/v3/room_keys/keys/!third:localhost/c?version={version}", alice.AccessToken)).Ok()["count"]!.GetValue<int>());
        (await Server.Http.GetJsonAsync($"/_matrix/client/v3/room_keys/keys/!third:localhost/c?version={version}", alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");

        var deleted = (await Server.Http.DeleteJsonAsync($"/_matrix/client/v3/room_keys/keys/!other:localhost?version={version}", alice.AccessToken)).Ok();
        Assert.Equal(1, deleted["count"]!.GetValue<int>());
        Assert.NotEqual(verified["etag"]!.GetValue<string>(), deleted["etag"]!.GetValue<string>());
        Assert.Equal(0, (await Server.Http.DeleteJsonAsync($"/_matrix/client/v3/room_keys/keys?version={version}", alice.AccessToken)).Ok()["count"]!.GetValue<int>());
        (await Server.Http.GetJsonAsync("/_matrix/client/v3/room_keys/keys?version=99", alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }
}
