using System.Data.Common;
using System.Text;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.E2ee.Olm;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Sync;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.E2ee;

/// <summary>
/// The real-crypto proof with libolm: Bob claims Alice's one-time key, shares a Megolm room key with
/// her over an Olm to-device message, and sends an encrypted room message; Alice decrypts both from
/// her syncs. Then every table of the database is read raw: the plaintext and the room key are nowhere.
/// </summary>
public sealed class OlmEndToEndTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private const string Olm = "m.olm.v1.curve25519-aes-sha2";
    private const string Megolm = "m.megolm.v1.aes-sha2";
    private TestHomeserver Server => fixture.Server;

    [Fact]
    public async Task Olm_and_megolm_messages_cross_the_server_which_never_holds_the_plaintext()
    {
        var alice = await Server.RegisterAsync("olm_alice");
        var bob = await Server.RegisterAsync("olm_bob");
        using var aliceAccount = new OlmAccount();
        using var bobAccount = new OlmAccount();
        const string secret = "The eagle lands at midnight";

        // Alice publishes her device keys and five signed one-time keys.
        var oneTimeKeys = new JsonObject();
        foreach (var (keyId, key) in aliceAccount.GenerateOneTimeKeys(5)["curve25519"]!.AsObject())
        {
            oneTimeKeys[$"signed_curve25519:{keyId}"] = SignWith(aliceAccount, alice, new JsonObject { ["key"] = key!.GetValue<string>() });
        }

        aliceAccount.MarkKeysAsPublished();
        var deviceKeys = SignWith(aliceAccount, alice, new JsonObject
        {
            ["user_id"] = alice.UserId,
            ["device_id"] = alice.DeviceId,
            ["algorithms"] = new JsonArray(Olm, Megolm),
            ["keys"] = new JsonObject { [$"curve25519:{alice.DeviceId}"] = aliceAccount.Curve25519, [$"ed25519:{alice.DeviceId}"] = aliceAccount.Ed25519 },
        });
        (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/upload", new JsonObject { ["device_keys"] = deviceKeys, ["one_time_keys"] = oneTimeKeys }, alice.AccessToken)).Ok();
        var since = (await Server.SyncAsync(alice)).NextBatch();

        // Bob looks Alice up, claims a one-time key (checking Alice's signature on it) and opens an Olm session.
        var queried = (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { [alice.UserId] = new JsonArray() } }, bob.AccessToken)).Ok();
        var aliceDevice = queried["device_keys"]![alice.UserId]![alice.DeviceId]!.AsObject();
        var aliceIdentity = aliceDevice["keys"]![$"curve25519:{alice.DeviceId}"]!.GetValue<string>();
        var aliceSigning = aliceDevice["keys"]![$"ed25519:{alice.DeviceId}"]!.GetValue<string>();
        var claimed = (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/claim", new JsonObject
        {
            ["one_time_keys"] = new JsonObject { [alice.UserId] = new JsonObject { [alice.DeviceId] = "signed_curve25519" } },
        }, bob.AccessToken)).Ok()["one_time_keys"]![alice.UserId]![alice.DeviceId]!.AsObject().Single().Value!.AsObject();
        Assert.Equal(SignatureStatus.Valid, JsonSigning.Verify(claimed, alice.UserId, new SigningKeyId("ed25519", alice.DeviceId), VerifyKey.FromBase64(aliceSigning)));
        using var outbound = OlmSession.CreateOutbound(bobAccount, aliceIdentity, claimed["key"]!.GetValue<string>());

        // Bob's room key goes to Alice's device as an m.room.encrypted to-device message.
        var roomId = await Server.CreateRoomAsync(bob);
        await Server.JoinAsync(roomId, alice);
        (await Server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{roomId}/state/m.room.encryption/", new JsonObject { ["algorithm"] = Megolm }, bob.AccessToken)).Ok();
        using var group = new OlmOutboundGroupSession();
        var roomKey = group.SessionKey;
        var payload = new JsonObject
        {
            ["type"] = "m.room_key",
            ["content"] = new JsonObject { ["algorithm"] = Megolm, ["room_id"] = roomId, ["session_id"] = group.SessionId, ["session_key"] = roomKey },
            ["sender"] = bob.UserId,
            ["recipient"] = alice.UserId,
            ["recipient_keys"] = new JsonObject { ["ed25519"] = aliceSigning },
            ["keys"] = new JsonObject { ["ed25519"] = bobAccount.Ed25519 },
        };
        var (type, body) = outbound.Encrypt(payload.ToJsonString());
        var toDevice = new JsonObject
        {
            ["algorithm"] = Olm,
            ["sender_key"] = bobAccount.Curve25519,
            ["ciphertext"] = new JsonObject { [aliceIdentity] = new JsonObject { ["type"] = type, ["body"] = body } },
        };
        (await Server.Http.PutJsonAsync("/_matrix/client/v3/sendToDevice/m.room.encrypted/olm1",
            new JsonObject { ["messages"] = new JsonObject { [alice.UserId] = new JsonObject { [alice.DeviceId] = toDevice } } }, bob.AccessToken)).Ok();

        var sync = await Server.SyncAsync(alice, since);
        var delivered = Assert.Single(sync["to_device"]!["events"]!.AsArray())!;
        Assert.Equal(bob.UserId, delivered["sender"]!.GetValue<string>());
        var cipher = delivered["content"]!["ciphertext"]![aliceAccount.Curve25519]!;
        using var inbound = OlmSession.CreateInbound(aliceAccount, cipher["body"]!.GetValue<string>());
        aliceAccount.RemoveOneTimeKeys(inbound);
        var decrypted = JsonNode.Parse(inbound.Decrypt(cipher["type"]!.GetValue<int>(), cipher["body"]!.GetValue<string>()))!;
        Assert.Equal("m.room_key", decrypted["type"]!.GetValue<string>());
        using var receiver = new OlmInboundGroupSession(decrypted["content"]!["session_key"]!.GetValue<string>());
        since = sync.NextBatch();

        // Bob's encrypted room message; Alice decrypts it from her next sync.
        var plaintextEvent = new JsonObject { ["type"] = "m.room.message", ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = secret }, ["room_id"] = roomId };
        (await Server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{roomId}/send/m.room.encrypted/m1", new JsonObject
        {
            ["algorithm"] = Megolm,
            ["sender_key"] = bobAccount.Curve25519,
            ["ciphertext"] = group.Encrypt(plaintextEvent.ToJsonString()),
            ["session_id"] = group.SessionId,
            ["device_id"] = bob.DeviceId,
        }, bob.AccessToken)).Ok();
        sync = await Server.SyncAsync(alice, since);
        var encrypted = sync.JoinedRoom(roomId).Events("timeline").Single(e => e.Str("type") == "m.room.encrypted");
        var message = JsonNode.Parse(receiver.Decrypt(encrypted["content"]!["ciphertext"]!.GetValue<string>()))!;
        Assert.Equal(secret, message["content"]!["body"]!.GetValue<string>());

        // The to-device message is gone once Alice's next sync acknowledges it.
        Assert.Null((await Server.SyncAsync(alice, sync.NextBatch()))["to_device"]);

        var dump = await DumpDatabaseAsync();
        Assert.True(Stored(dump, aliceAccount.Curve25519), "the scan sees the public keys the server does hold");
        Assert.False(Stored(dump, secret), "the plaintext is stored somewhere");
        Assert.False(Stored(dump, roomKey), "the Megolm room key is stored somewhere");
    }

    /// <summary>Whether the text is in the dump as it is or as JSON writes it (base64's '+' becomes \\u002B).</summary>
    private static bool Stored(string dump, string text) =>
        dump.Contains(text, StringComparison.Ordinal) || dump.Contains(System.Text.Json.JsonSerializer.Serialize(text)[1..^1], StringComparison.Ordinal);

    private static JsonObject SignWith(OlmAccount account, TestUser user, JsonObject obj)
    {
        JsonSigning.AddSignature(obj, user.UserId, $"ed25519:{user.DeviceId}", account.Sign(CanonicalJson.SerializeToString(obj)));
        return obj;
    }

    /// <summary>Every text and binary value of every table, as one string.</summary>
    private async Task<string> DumpDatabaseAsync()
    {
        await using var db = await Server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var tables = await ReadColumnAsync(connection, Server.DatabaseProvider == "Postgres"
            ? "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            : "SELECT name FROM sqlite_master WHERE type = 'table'");
        Assert.Contains("to_device_messages", tables);
        var dump = new StringBuilder();
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    dump.Append(reader.IsDBNull(i) ? "" : reader.GetValue(i) switch
                    {
                        byte[] bytes => Encoding.UTF8.GetString(bytes),
                        var value => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
                    }).Append('\n');
                }
            }
        }

        return dump.ToString();
    }

    private static async Task<List<string>> ReadColumnAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync()) values.Add(reader.GetString(0));
        return values;
    }
}
