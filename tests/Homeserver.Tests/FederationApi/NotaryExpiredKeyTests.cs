using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Transport.Keys;
using Matrix.Homeserver.Tests.Federation;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.FederationApi;

/// <summary>hs1 as a notary for origin.test, a hand-made server whose keys tests change.</summary>
public sealed class NotaryFixture : IAsyncLifetime
{
    public const string Origin = "origin.test";

    public TestFederation Servers { get; private set; } = null!;
    public FakeFederationServer OriginServer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var port = TestFederation.FreePort();
        Servers = await TestFederation.StartAsync(["hs1.test"], (_, _, settings) => settings[$"Homeserver:Federation:ResolverOverrides:{Origin}"] = $"127.0.0.1:{port}");
        OriginServer = await FakeFederationServer.StartAsync(Servers, Origin, port);
    }

    public async Task DisposeAsync()
    {
        await OriginServer.DisposeAsync();
        await Servers.DisposeAsync();
    }
}

/// <summary>
/// The notary's answers when the origin's keys have expired (SyTest's "Key notary server should return an expired key
/// if it can't find any others" and "must not overwrite a valid key with a spurious result from the origin server"):
/// a query with a later minimum_valid_until_ts fetches again at once, and what the notary held is still the answer
/// when the origin gives nothing better.
/// </summary>
public sealed class NotaryExpiredKeyTests(NotaryFixture fixture) : IClassFixture<NotaryFixture>
{
    private FakeFederationServer Origin => fixture.OriginServer;

    private int KeyFetches() => Origin.Requests.Count(r => r.StartsWith("GET /_matrix/key/v2/server", StringComparison.Ordinal));

    private async Task<JsonArray> QueryAsync(string keyId, long minimumValidUntilTs)
    {
        using var federation = fixture.Servers.FederationHttp("hs1.test");
        return (await federation.PostJsonAsync("/_matrix/key/v2/query", new JsonObject
        {
            ["server_keys"] = new JsonObject
            {
                [NotaryFixture.Origin] = new JsonObject { [keyId] = new JsonObject { ["minimum_valid_until_ts"] = minimumValidUntilTs } },
            },
        })).Ok()["server_keys"]!.AsArray();
    }

    private static bool HasKey(JsonArray answer, string keyId, long? validUntilTs = null) =>
        answer.OfType<JsonObject>().Any(k => k["verify_keys"]?[keyId] is not null
            && (validUntilTs is null || k["valid_until_ts"]!.GetValue<long>() == validUntilTs));

    [Fact]
    public async Task An_expired_key_is_refetched_when_asked_for_later_and_served_when_nothing_better_comes()
    {
        var expired = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds();
        var keyId = "ed25519:" + Origin.Key.Version;
        Origin.Answers["/_matrix/key/v2/server"] = _ => ServerKeysResponse.Build(NotaryFixture.Origin, Origin.Key, [], expired);
        using var otherKey = SigningKey.Generate("key_2");
        try
        {
            Assert.True(HasKey(await QueryAsync(keyId, 0), keyId, expired));
            var fetches = KeyFetches();

            // Moments later, a minimum past what the notary holds: it asks the origin again, which gives the same.
            Assert.True(HasKey(await QueryAsync(keyId, expired + 1000), keyId, expired));
            Assert.Equal(fetches + 1, KeyFetches());

            // The origin fails: the expired key is still the answer.
            Origin.Answers.TryRemove("/_matrix/key/v2/server", out _);
            Assert.True(HasKey(await QueryAsync(keyId, expired + 1000), keyId, expired));
            Assert.Equal(fetches + 2, KeyFetches());

            // The origin forgets the key for another one: the notary does not.
            Origin.Answers["/_matrix/key/v2/server"] = _ => ServerKeysResponse.Build(NotaryFixture.Origin, otherKey, [], expired + 1000);
            await QueryAsync(keyId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            Assert.Equal(fetches + 3, KeyFetches());
            Assert.True(HasKey(await QueryAsync(keyId, expired), keyId, expired));
            Assert.Equal(fetches + 3, KeyFetches());
        }
        finally
        {
            Origin.Answers["/_matrix/key/v2/server"] = _ => ServerKeysResponse.Build(NotaryFixture.Origin, Origin.Key, [], DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds());
        }
    }
}
