using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.E2ee;

/// <summary>Encrypted rooms: ciphertext is stored and served untouched; encryption cannot be turned off or changed.</summary>
public sealed class EncryptedRoomTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private TestHomeserver Server => fixture.Server;

    private static JsonObject Megolm() => new() { ["algorithm"] = "m.megolm.v1.aes-sha2", ["rotation_period_ms"] = 604800000 };

    [Fact]
    public async Task Encryption_settings_cannot_be_changed_or_removed()
    {
        var alice = await Server.CreateUserAsync("enc_alice");
        var roomId = await Server.CreateRoomAsync(alice);
        var path = $"/_matrix/client/v3/rooms/{roomId}/state/m.room.encryption/";
        (await Server.Http.PutJsonAsync(path, Megolm(), alice.AccessToken)).Ok();
        (await Server.Http.PutJsonAsync(path, Megolm(), alice.AccessToken)).Ok();

        (await Server.Http.PutJsonAsync(path, new JsonObject(), alice.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Server.Http.PutJsonAsync(path, new JsonObject { ["algorithm"] = "m.none" }, alice.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        var rotated = Megolm();
        rotated["rotation_period_ms"] = 1;
        (await Server.Http.PutJsonAsync(path, rotated, alice.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        var state = (await Server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{roomId}/state/m.room.encryption/", alice.AccessToken)).Ok();
        Assert.True(JsonNode.DeepEquals(Megolm(), state));
    }

    [Fact]
    public async Task Encrypted_events_are_served_exactly_as_sent()
    {
        var alice = await Server.CreateUserAsync("enc_sender");
        var roomId = await Server.CreateRoomAsync(alice);
        var content = new JsonObject
        {
            ["algorithm"] = "m.megolm.v1.aes-sha2",
            ["ciphertext"] = "AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg2yyOwAtHaZTwyNg37afzg8f3r9IsN9r4RNFg7MaZencUJe4qvELiDiopUjy5wYVDAtqdBzer5bWRD9ldxp1FLgbQvBcjkkywYjCsmsq6+hArLd9oAQZnGKn/qLsK+5uNX3PaWzDRC9wZPQvWYYPCTov3jCwXKTPsLKIiTrcCXDqMvnn8m+T3zF/I2zqxg158tnUwWWIw51UO",
            ["device_id"] = "RJYKSTBOIE",
            ["sender_key"] = "IlRMeOPX2e0MurIyfWEucYBRVOEEUMrOHqn/8mLqMjA",
            ["session_id"] = "X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ",
        };
        var eventId = (await Server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{roomId}/send/m.room.encrypted/txn1", content, alice.AccessToken)).Ok()["event_id"]!.GetValue<string>();
        var served = (await Server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{roomId}/event/{eventId}", alice.AccessToken)).Ok();
        Assert.Equal("m.room.encrypted", served["type"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(content, served["content"]));
    }
}
