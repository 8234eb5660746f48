using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>The access-token cache's safety net: a token deleted without invalidation stops working within the cache's lifetime.</summary>
public sealed class AccessTokenCacheTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_cached_validation_holds_for_at_least_the_shortest_lifetime_and_is_checked_again_after_the_longest()
    {
        var user = await _server.CreateUserAsync("alice");
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var tokens = new AccessTokenService(_server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>(), clock);
        Assert.Equal(user.UserId, (await tokens.ValidateAsync(user.AccessToken, CancellationToken.None)).UserId);

        // Deleted behind the service's back: the cached validation still answers until it is due again.
        await using (var db = _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContext())
        {
            var hash = AccessTokenService.Hash(user.AccessToken);
            await db.AccessTokens.Where(t => t.TokenHash == hash).ExecuteDeleteAsync();
        }

        clock.Now += AccessTokenService.MinCacheLifetime - TimeSpan.FromSeconds(1);
        Assert.Equal(user.UserId, (await tokens.ValidateAsync(user.AccessToken, CancellationToken.None)).UserId);
        clock.Now += AccessTokenService.MaxCacheLifetime - AccessTokenService.MinCacheLifetime + TimeSpan.FromSeconds(2);
        var refused = await Assert.ThrowsAsync<MatrixException>(() => tokens.ValidateAsync(user.AccessToken, CancellationToken.None));
        Assert.Equal(401, refused.StatusCode);
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
