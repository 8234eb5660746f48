using Matrix.Federation.Events;
using Matrix.Federation.Transport.Keys;
using Matrix.Homeserver.FederationApi.Keys;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.FederationApi;

/// <summary>Remote keys: fetched over federation, stored, served from the cache, via a notary when configured.</summary>
[Collection(FederationCollection.Name)]
public sealed class KeyCacheTests(FederationFixture fixture)
{
    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    [Fact]
    public async Task Keys_are_fetched_directly_stored_and_then_served_from_the_cache()
    {
        var lookup = fixture.Hs1.Services.GetRequiredService<IServerKeyLookup>();
        var key = await lookup.FindKeyAsync("hs2.test", fixture.Servers.KeyId("hs2.test"), Now);

        Assert.NotNull(key);
        Assert.Equal(fixture.Servers.VerifyKey("hs2.test"), key.Key);
        Assert.InRange(key.ValidUntilTs, Now, Now + ServerKeysResponse.MaxValidityMs);

        var row = Assert.Single(await RowsAsync(fixture.Hs1, "hs2.test"));
        Assert.Equal("hs2.test", row.FromServer);
        Assert.False(row.IsOld);
        Assert.Contains("\"server_name\":\"hs2.test\"", row.ResponseJson, StringComparison.Ordinal);

        // Asked again, even for validity it cannot give: no new fetch so soon after the last one.
        var again = await lookup.FindKeyAsync("hs2.test", fixture.Servers.KeyId("hs2.test"), Now + ServerKeysResponse.MaxValidityMs * 2);
        Assert.Equal(key, again);
        Assert.Equal(row.FetchedTs, Assert.Single(await RowsAsync(fixture.Hs1, "hs2.test")).FetchedTs);
    }

    [Fact]
    public async Task Concurrent_lookups_share_one_fetch()
    {
        var lookup = fixture.Hs2.Services.GetRequiredService<IServerKeyLookup>();
        var keyId = fixture.Servers.KeyId("hs1.test");
        var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => lookup.FindKeyAsync("hs1.test", keyId, Now).AsTask()));
        Assert.All(keys, k => Assert.Equal(fixture.Servers.VerifyKey("hs1.test"), k?.Key));
        Assert.Single(await RowsAsync(fixture.Hs2, "hs1.test"));
    }

    [Fact]
    public async Task A_configured_notary_is_asked_first()
    {
        var lookup = fixture.Hs3.Services.GetRequiredService<IServerKeyLookup>();
        var key = await lookup.FindKeyAsync("hs2.test", fixture.Servers.KeyId("hs2.test"), Now);

        Assert.Equal(fixture.Servers.VerifyKey("hs2.test"), key?.Key);
        var row = Assert.Single(await RowsAsync(fixture.Hs3, "hs2.test"));
        Assert.Equal("hs1.test", row.FromServer);
        // Relayed as the origin signed it: the notary's signature is not kept.
        Assert.DoesNotContain("hs1.test", row.ResponseJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_servers_are_backed_off()
    {
        var cache = fixture.Hs2.Services.GetRequiredService<ServerKeyCache>();
        Assert.False(await cache.RefreshAsync(FederationFixture.DownServer, ["ed25519:x"], 0, directOnly: false, CancellationToken.None));
        var started = DateTimeOffset.UtcNow;
        // Backed off: answered at once, without trying the network again.
        Assert.False(await cache.RefreshAsync(FederationFixture.DownServer, ["ed25519:x"], 0, directOnly: false, CancellationToken.None));
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(1));
        Assert.Null(await cache.FindKeyAsync(FederationFixture.DownServer, fixture.Servers.KeyId("hs1.test"), Now));
    }

    [Fact]
    public async Task Our_own_keys_need_no_fetch()
    {
        var lookup = fixture.Hs1.Services.GetRequiredService<IServerKeyLookup>();
        var key = await lookup.FindKeyAsync("hs1.test", fixture.Servers.KeyId("hs1.test"), Now);
        Assert.Equal(fixture.Servers.VerifyKey("hs1.test"), key?.Key);
        Assert.Empty(await RowsAsync(fixture.Hs1, "hs1.test"));
    }

    [Fact]
    public async Task Denied_servers_are_never_fetched()
    {
        var lookup = fixture.Hs1.Services.GetRequiredService<IServerKeyLookup>();
        Assert.Null(await lookup.FindKeyAsync("hs3.test", fixture.Servers.KeyId("hs3.test"), Now));
        Assert.Empty(await RowsAsync(fixture.Hs1, "hs3.test"));
    }

    private static async Task<List<RemoteServerKey>> RowsAsync(TestHomeserver server, string serverName)
    {
        await using var db = await server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        return await db.Set<RemoteServerKey>().AsNoTracking().Where(k => k.ServerName == serverName).ToListAsync();
    }
}
