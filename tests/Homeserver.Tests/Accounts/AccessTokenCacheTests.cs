using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>The access-token cache's safety net: a token deleted without invalidation stops working within the cache's lifetime, or at its background check.</summary>
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
        await DeleteTokenAsync(user.AccessToken);

        clock.Now += AccessTokenService.MinCacheLifetime - TimeSpan.FromSeconds(1);
        Assert.Equal(user.UserId, (await tokens.ValidateAsync(user.AccessToken, CancellationToken.None)).UserId);
        clock.Now += AccessTokenService.MaxCacheLifetime - AccessTokenService.MinCacheLifetime + TimeSpan.FromSeconds(2);
        var refused = await Assert.ThrowsAsync<MatrixException>(() => tokens.ValidateAsync(user.AccessToken, CancellationToken.None));
        Assert.Equal(401, refused.StatusCode);
    }

    [Fact]
    public async Task Tokens_in_use_are_checked_again_in_the_background_before_they_fall_due_and_a_deleted_one_is_forgotten()
    {
        var user = await _server.CreateUserAsync("bob");
        var idle = await _server.CreateUserAsync("carol");
        var start = DateTimeOffset.UtcNow;
        var clock = new ManualClock(start);
        var factory = _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>();
        var tokens = new AccessTokenService(factory, clock);
        await tokens.ValidateAsync(user.AccessToken, CancellationToken.None);
        await tokens.ValidateAsync(idle.AccessToken, CancellationToken.None);

        // Every validation is due within the look-ahead: both are checked, in one query, and kept for another lifetime.
        clock.Now = start + AccessTokenService.MaxCacheLifetime - AccessTokenService.RevalidateAhead + TimeSpan.FromSeconds(1);
        var checkedAt = clock.Now;
        Assert.Equal(2, await tokens.RevalidateAsync(CancellationToken.None));
        await DeleteTokenAsync(user.AccessToken);

        // Past every first lifetime, before the renewed one: still the cache's answer, though the row is gone.
        clock.Now = checkedAt + AccessTokenService.MinCacheLifetime - TimeSpan.FromSeconds(1);
        Assert.Equal(user.UserId, (await tokens.ValidateAsync(user.AccessToken, CancellationToken.None)).UserId);

        // The next check finds it deleted and forgets it; carol's token, unused for a lifetime, is not checked at all.
        clock.Now = checkedAt + AccessTokenService.MaxCacheLifetime - AccessTokenService.RevalidateAhead + TimeSpan.FromSeconds(1);
        Assert.Equal(0, await tokens.RevalidateAsync(CancellationToken.None));
        var refused = await Assert.ThrowsAsync<MatrixException>(() => tokens.ValidateAsync(user.AccessToken, CancellationToken.None));
        Assert.Equal(401, refused.StatusCode);
        Assert.Equal(idle.UserId, (await tokens.ValidateAsync(idle.AccessToken, CancellationToken.None)).UserId);
    }

    private async Task DeleteTokenAsync(string token)
    {
        await using var db = _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContext();
        var hash = AccessTokenService.Hash(token);
        await db.AccessTokens.Where(t => t.TokenHash == hash).ExecuteDeleteAsync();
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
