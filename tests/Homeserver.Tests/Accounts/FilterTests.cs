using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.Filters;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>POST /user/{userId}/filter, GET /user/{userId}/filter/{filterId}, and resolving filters for sync.</summary>
public sealed class FilterTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private readonly TestHomeserver _server = fixture.Server;

    private static string Filters(TestUser user) => $"/_matrix/client/v3/user/{user.UserId}/filter";

    private static JsonObject SampleFilter() => new()
    {
        ["room"] = new JsonObject
        {
            ["timeline"] = new JsonObject { ["limit"] = 20, ["types"] = new JsonArray("m.room.*") },
            ["state"] = new JsonObject { ["lazy_load_members"] = true },
        },
        ["presence"] = new JsonObject { ["not_types"] = new JsonArray("*") },
    };

    [Fact]
    public async Task A_filter_is_stored_and_read_back()
    {
        var user = await _server.RegisterAsync("filterer");
        var id = (await _server.Http.PostJsonAsync(Filters(user), SampleFilter(), user.AccessToken)).Ok()["filter_id"]!.GetValue<string>();
        var stored = (await _server.Http.GetJsonAsync($"{Filters(user)}/{id}", user.AccessToken)).Ok();
        Assert.True(JsonNode.DeepEquals(SampleFilter(), stored));
    }

    [Fact]
    public async Task Identical_filters_share_an_id_and_different_ones_count_up()
    {
        var user = await _server.RegisterAsync("repeater");
        var first = (await _server.Http.PostJsonAsync(Filters(user), SampleFilter(), user.AccessToken)).Ok()["filter_id"]!.GetValue<string>();
        var again = (await _server.Http.PostJsonAsync(Filters(user), SampleFilter(), user.AccessToken)).Ok()["filter_id"]!.GetValue<string>();
        var other = (await _server.Http.PostJsonAsync(Filters(user), new JsonObject(), user.AccessToken)).Ok()["filter_id"]!.GetValue<string>();
        Assert.Equal("0", first);
        Assert.Equal(first, again);
        Assert.Equal("1", other);
    }

    [Fact]
    public async Task Filters_belong_to_their_user()
    {
        var owner = await _server.RegisterAsync("filterowner");
        var other = await _server.RegisterAsync("filtersnoop");
        var id = (await _server.Http.PostJsonAsync(Filters(owner), SampleFilter(), owner.AccessToken)).Ok()["filter_id"]!.GetValue<string>();
        (await _server.Http.GetJsonAsync($"{Filters(owner)}/{id}", other.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.PostJsonAsync(Filters(owner), SampleFilter(), other.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.GetJsonAsync($"{Filters(other)}/{id}", other.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.GetJsonAsync($"{Filters(other)}/abc", other.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Theory]
    [InlineData("""{"room": {"timeline": {"limit": "ten"}}}""", "M_BAD_JSON")]
    [InlineData("""{"room": {"timeline": {"limit": 1.5}}}""", "M_BAD_JSON")]
    [InlineData("""{"room": {"timeline": {"limit": -1}}}""", "M_INVALID_PARAM")]
    [InlineData("""{"room": []}""", "M_BAD_JSON")]
    [InlineData("""{"room": {"rooms": "!a:b"}}""", "M_BAD_JSON")]
    [InlineData("""{"room": {"rooms": ["not-a-room"]}}""", "M_INVALID_PARAM")]
    [InlineData("""{"presence": {"senders": ["alice"]}}""", "M_INVALID_PARAM")]
    [InlineData("""{"event_format": "xml"}""", "M_INVALID_PARAM")]
    [InlineData("""{"event_fields": [1]}""", "M_BAD_JSON")]
    [InlineData("""{"room": {"state": {"lazy_load_members": "yes"}}}""", "M_BAD_JSON")]
    public async Task Malformed_filters_are_refused(string filter, string errcode)
    {
        var user = await _server.RegisterAsync("badfilter" + Guid.NewGuid().ToString("N")[..8]);
        (await _server.Http.SendAsync(HttpMethod.Post, Filters(user), accessToken: user.AccessToken, rawBody: filter)).IsError(HttpStatusCode.BadRequest, errcode);
    }

    [Fact]
    public async Task Sync_resolves_a_stored_id_inline_json_or_nothing()
    {
        var user = await _server.RegisterAsync("resolver");
        var id = (await _server.Http.PostJsonAsync(Filters(user), SampleFilter(), user.AccessToken)).Ok()["filter_id"]!.GetValue<string>();
        await using var scope = _server.Services.CreateAsyncScope();
        var filters = scope.ServiceProvider.GetRequiredService<FilterService>();

        var stored = await filters.ResolveAsync(user.UserId, id, CancellationToken.None);
        Assert.Equal(20, stored.Room.Timeline.Limit);
        Assert.True(stored.Room.State.LazyLoadMembers);
        var inline = await filters.ResolveAsync(user.UserId, """{"room":{"include_leave":true}}""", CancellationToken.None);
        Assert.True(inline.Room.IncludeLeave);
        Assert.Same(SyncFilter.Default, await filters.ResolveAsync(user.UserId, null, CancellationToken.None));

        var missing = await Assert.ThrowsAsync<MatrixException>(() => filters.ResolveAsync(user.UserId, "999", CancellationToken.None));
        Assert.Equal(404, missing.StatusCode);
        var broken = await Assert.ThrowsAsync<MatrixException>(() => filters.ResolveAsync(user.UserId, "{oops", CancellationToken.None));
        Assert.Equal("M_NOT_JSON", broken.ErrCode);
    }
}

public sealed class FilterCacheTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private readonly TestHomeserver _server = fixture.Server;

    [Fact]
    public async Task A_stored_filter_is_read_once_and_forgotten_with_the_account()
    {
        var user = await _server.RegisterAsync("cachedfilter");
        var filters = _server.Services.GetRequiredService<FilterService>();
        var id = await filters.CreateAsync(user.UserId, JsonNode.Parse("""{"room":{"timeline":{"limit":20}}}""")!.AsObject(), CancellationToken.None);
        var first = await filters.ResolveAsync(user.UserId, id, CancellationToken.None);
        Assert.Same(first, await filters.ResolveAsync(user.UserId, id, CancellationToken.None));

        // Deactivation deletes the rows; a reactivated account numbers its filters from 0 again.
        await using (var scope = _server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<Matrix.Homeserver.Accounts.Management.AccountDeactivator>()
                .DeactivateAsync(user.UserId, erase: false, CancellationToken.None);
        }

        var missing = await Assert.ThrowsAsync<MatrixException>(() => filters.ResolveAsync(user.UserId, id, CancellationToken.None));
        Assert.Equal(404, missing.StatusCode);
        var again = await filters.CreateAsync(user.UserId, JsonNode.Parse("""{"room":{"timeline":{"limit":5}}}""")!.AsObject(), CancellationToken.None);
        Assert.Equal(id, again);
        Assert.Equal(5, (await filters.ResolveAsync(user.UserId, again, CancellationToken.None)).Room.Timeline.Limit);
    }
}
