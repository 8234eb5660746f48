using System.Net;
using Matrix.Federation.Transport.Discovery;

namespace Matrix.Federation.Tests.Transport;

public sealed class WellKnownResolverTests
{
    private const string Url = "https://example.org/.well-known/matrix/server";
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private WellKnownResolver Resolver(FakeHttp http) => new(http, _time) { RetryDelay = TimeSpan.Zero };

    private static FakeHttp Serving(string json, Action<HttpResponseMessage>? headers = null) => new(_ => FakeHttp.Json(json, headers: headers));

    [Fact]
    public async Task Reads_m_server()
    {
        var http = Serving("""{"m.server": "matrix.example.org:443"}""");
        Assert.Equal("matrix.example.org:443", await Resolver(http).GetDelegatedServerAsync("example.org", default));
        Assert.Equal(1, http.Count(Url));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("""{"m.server": 5}""")]
    [InlineData("""{"m.server": "bad name!"}""")]
    public async Task Invalid_files_mean_no_delegation(string body) =>
        Assert.Null(await Resolver(Serving(body)).GetDelegatedServerAsync("example.org", default));

    [Fact]
    public async Task Answers_are_cached_by_max_age_and_refreshed_in_the_last_fifth()
    {
        var http = Serving("""{"m.server": "m.example.org"}""", r => r.Headers.CacheControl = new() { MaxAge = TimeSpan.FromHours(10) });
        var resolver = Resolver(http);
        await resolver.GetDelegatedServerAsync("example.org", default);
        _time.Advance(TimeSpan.FromHours(7.9));
        await resolver.GetDelegatedServerAsync("example.org", default);
        Assert.Equal(1, http.Count(Url));
        _time.Advance(TimeSpan.FromHours(0.2));
        await resolver.GetDelegatedServerAsync("example.org", default);
        Assert.Equal(2, http.Count(Url));
    }

    [Theory]
    [InlineData(10, 5 * 60)]               // below the 5 minute floor
    [InlineData(1_000_000, 48 * 3600)]     // above the 48 hour cap
    [InlineData(3600, 3600)]
    public async Task Cache_periods_are_clamped(int maxAge, int expectedSeconds)
    {
        var http = Serving("""{"m.server": "m.example.org"}""", r => r.Headers.CacheControl = new() { MaxAge = TimeSpan.FromSeconds(maxAge) });
        var resolver = Resolver(http);
        await resolver.GetDelegatedServerAsync("example.org", default);
        _time.Advance(TimeSpan.FromSeconds(expectedSeconds * 0.79));
        await resolver.GetDelegatedServerAsync("example.org", default);
        Assert.Equal(1, http.Count(Url));
        _time.Advance(TimeSpan.FromSeconds(expectedSeconds * 0.02));
        await resolver.GetDelegatedServerAsync("example.org", default);
        Assert.Equal(2, http.Count(Url));
    }

    [Fact]
    public async Task Without_headers_answers_are_kept_about_a_day()
    {
        var http = Serving("""{"m.server": "m.example.org"}""");
        var resolver = Resolver(http);
        await resolver.GetDelegatedServerAsync("example.org", default);
        _time.Advance(TimeSpan.FromHours(24 * 0.9 * 0.8 - 0.1));
        await resolver.GetDelegatedServerAsync("example.org", default);
        Assert.Equal(1, http.Count(Url));
        _time.Advance(TimeSpan.FromHours(24 * 1.1));
        await resolver.GetDelegatedServerAsync("example.org", default);
        Assert.Equal(2, http.Count(Url));
    }

    [Fact]
    public void No_store_and_expires_are_respected()
    {
        Assert.Equal(TimeSpan.Zero, WellKnownCachePeriod.FromHeaderValues(["no-store"], null, _time.Now));
        Assert.Equal(TimeSpan.FromSeconds(60), WellKnownCachePeriod.FromHeaderValues(["public, max-age=60"], null, _time.Now));
        Assert.Equal(TimeSpan.FromHours(2), WellKnownCachePeriod.FromHeaderValues([], _time.Now.AddHours(2).ToString("r"), _time.Now));
        Assert.Equal(TimeSpan.Zero, WellKnownCachePeriod.FromHeaderValues([], "0", _time.Now));
        Assert.Null(WellKnownCachePeriod.FromHeaderValues([], null, _time.Now));
    }

    [Fact]
    public async Task Errors_are_cached_for_an_hour()
    {
        var http = new FakeHttp(_ => new HttpResponseMessage(HttpStatusCode.NotFound));
        var resolver = Resolver(http);
        Assert.Null(await resolver.GetDelegatedServerAsync("example.org", default));
        _time.Advance(TimeSpan.FromMinutes(40));
        Assert.Null(await resolver.GetDelegatedServerAsync("example.org", default));
        Assert.Equal(1, http.Count(Url));
        _time.Advance(TimeSpan.FromMinutes(40));
        await resolver.GetDelegatedServerAsync("example.org", default);
        Assert.Equal(2, http.Count(Url));
    }

    [Fact]
    public async Task A_temporary_failure_keeps_the_previous_answer_and_retries_soon()
    {
        var up = true;
        var http = new FakeHttp(_ => up ? FakeHttp.Json("""{"m.server": "m.example.org"}""") : new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        var resolver = Resolver(http);
        await resolver.GetDelegatedServerAsync("example.org", default);
        up = false;
        // The default 24 h period has ±10% jitter: at 21.5 h every draw is due for a refresh (≤ 80% of 26.4 h)
        // and none has expired (≥ 21.6 h).
        _time.Advance(TimeSpan.FromHours(21.5));
        Assert.Equal("m.example.org", await resolver.GetDelegatedServerAsync("example.org", default));
        // A host that had a valid file is retried (3 attempts) and then asked again after minutes, not hours.
        var afterFirst = http.Count(Url);
        Assert.Equal(4, afterFirst);
        Assert.Equal("m.example.org", await resolver.GetDelegatedServerAsync("example.org", default));
        Assert.Equal(afterFirst, http.Count(Url));
        _time.Advance(TimeSpan.FromMinutes(3));
        up = true;
        Assert.Equal("m.example.org", await resolver.GetDelegatedServerAsync("example.org", default));
        Assert.Equal(afterFirst + 1, http.Count(Url));
    }

    [Fact]
    public async Task Redirects_are_followed_up_to_five_times()
    {
        var http = new FakeHttp(request =>
        {
            var path = request.RequestUri!.AbsolutePath;
            var hop = path.StartsWith("/hop", StringComparison.Ordinal) ? int.Parse(path[4..], System.Globalization.CultureInfo.InvariantCulture) : 0;
            if (hop < 5) return new HttpResponseMessage(HttpStatusCode.Found) { Headers = { Location = new Uri($"/hop{hop + 1}", UriKind.Relative) } };
            return FakeHttp.Json("""{"m.server": "m.example.org"}""");
        });
        Assert.Equal("m.example.org", await Resolver(http).GetDelegatedServerAsync("example.org", default));
        Assert.Equal(6, http.Requests.Count);
    }

    [Fact]
    public async Task Redirect_loops_plain_http_and_long_chains_are_refused()
    {
        var loop = new FakeHttp(_ => new HttpResponseMessage(HttpStatusCode.MovedPermanently) { Headers = { Location = new Uri("https://example.org/again") } });
        Assert.Null(await Resolver(loop).GetDelegatedServerAsync("example.org", default));
        Assert.Equal(2, loop.Requests.Count);

        var plain = new FakeHttp(_ => new HttpResponseMessage(HttpStatusCode.Found) { Headers = { Location = new Uri("http://example.org/x") } });
        Assert.Null(await Resolver(plain).GetDelegatedServerAsync("example.org", default));

        var endless = new FakeHttp(r => new HttpResponseMessage(HttpStatusCode.Found) { Headers = { Location = new Uri(r.RequestUri!, $"/{Guid.NewGuid():N}") } });
        Assert.Null(await Resolver(endless).GetDelegatedServerAsync("example.org", default));
        Assert.Equal(WellKnownResolver.MaxRedirects + 1, endless.Requests.Count);
    }

    [Fact]
    public async Task Bodies_over_50_KiB_are_refused()
    {
        var padding = new string(' ', WellKnownResolver.MaxBodyBytes);
        var http = Serving("{\"m.server\": \"m.example.org\"" + padding + "}");
        Assert.Null(await Resolver(http).GetDelegatedServerAsync("example.org", default));
    }

    [Fact]
    public async Task Concurrent_lookups_share_one_fetch()
    {
        var gate = new TaskCompletionSource();
        var http = new FakeHttp(_ =>
        {
            gate.Task.Wait(TimeSpan.FromSeconds(10));
            return FakeHttp.Json("""{"m.server": "m.example.org"}""");
        });
        var resolver = Resolver(http);
        var lookups = Enumerable.Range(0, 5).Select(_ => Task.Run(() => resolver.GetDelegatedServerAsync("example.org", default))).ToList();
        await Task.Delay(100);
        gate.SetResult();
        Assert.All(await Task.WhenAll(lookups), r => Assert.Equal("m.example.org", r));
        Assert.Equal(1, http.Count(Url));
    }
}
