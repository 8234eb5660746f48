using System.Net;
using Matrix.Crypto;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.FederationApi;

/// <summary>Federation off, and federation on a single (client) listener.</summary>
public sealed class FederationSettingsTests
{
    [Fact]
    public async Task Disabled_federation_serves_no_federation_routes_and_sends_nothing()
    {
        await using var server = await TestHomeserver.StartAsync(s => s["Homeserver:Federation:Enabled"] = "false", "solo.test");
        (await server.Http.GetJsonAsync("/_matrix/federation/v1/version")).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
        (await server.Http.GetJsonAsync("/_matrix/key/v2/server")).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
        (await server.Http.GetJsonAsync("/_matrix/client/versions")).Ok();

        var client = server.Services.GetRequiredService<FederationClient>();
        await Assert.ThrowsAsync<FederationRefusedException>(() => client.GetJsonAsync("hs1.test", "/_matrix/federation/v1/version"));
    }

    [Fact]
    public async Task Without_a_federation_listener_federation_is_served_beside_the_client_api()
    {
        await using var server = await TestHomeserver.StartAsync(serverName: "combined.test");
        (await server.Http.GetJsonAsync("/_matrix/federation/v1/version")).Ok();
        var keys = (await server.Http.GetJsonAsync("/_matrix/key/v2/server")).Ok();
        Assert.Equal("combined.test", keys["server_name"]!.GetValue<string>());
        (await server.Http.GetJsonAsync("/_matrix/client/versions")).Ok();
        // No delegation to publish without a federation listener.
        (await server.Http.GetJsonAsync("/.well-known/matrix/server")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Old_keys_of_the_key_file_are_published_with_their_expiry()
    {
        var directory = Directory.CreateTempSubdirectory("hs-keys-").FullName;
        try
        {
            var path = Path.Combine(directory, "signing.key");
            using var current = SigningKey.Generate("new1");
            using var old = SigningKey.Generate("old1");
            SigningKeyFile.Write(path, [current, old]);
            await using var server = await TestHomeserver.StartAsync(
                s =>
                {
                    s["Homeserver:SigningKeyPath"] = path;
                    s["Homeserver:Federation:OldKeysExpiredTs"] = "1600000000000";
                    s["Homeserver:Federation:KeyValidityHours"] = "2";
                },
                "rotated.test");

            var keys = (await server.Http.GetJsonAsync("/_matrix/key/v2/server")).Ok();
            Assert.Equal(current.VerifyKey.Base64, keys["verify_keys"]!["ed25519:new1"]!["key"]!.GetValue<string>());
            Assert.Equal(old.VerifyKey.Base64, keys["old_verify_keys"]!["ed25519:old1"]!["key"]!.GetValue<string>());
            Assert.Equal(1600000000000, keys["old_verify_keys"]!["ed25519:old1"]!["expired_ts"]!.GetValue<long>());
            Assert.InRange(keys["valid_until_ts"]!.GetValue<long>(), 0, DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeMilliseconds());
            Assert.Equal(SignatureStatus.Valid, JsonSigning.Verify(keys, "rotated.test", current.KeyId, current.VerifyKey));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
