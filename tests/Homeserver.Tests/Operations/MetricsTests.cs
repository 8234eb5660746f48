using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Tests.Sync;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Operations;

/// <summary>
/// Servers with metrics on run alone: meters are found by name across the whole process, so the OpenTelemetry
/// providers of servers running side by side in one test process get in each other's way (one server per process
/// in production).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics";
}

/// <summary>/metrics on the client listener (loopback, not proxied): the server's own metrics, ASP.NET Core's and the runtime's.</summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(s => s["Homeserver:Metrics:Enabled"] = "true");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Metrics_report_requests_events_sync_waiters_federation_queues_and_the_runtime()
    {
        var alice = await _server.CreateUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.SendMessageAsync(roomId, alice, "hello");
        (await _server.Http.GetJsonAsync("/_matrix/client/versions")).Ok();
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", "not-a-token")).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/sync", alice.AccessToken)).Ok();
        // A destination we refuse to contact (a loopback address): its transaction fails and is dropped.
        await _server.Services.GetRequiredService<FederationOutbox>().EnqueueEduAsync("127.0.0.1:1", "m.typing", new JsonObject());

        var text = await ScrapeUntilAsync(t => t.Contains("matrix_federation_send_failures_total{", StringComparison.Ordinal));

        Assert.Matches(@"http_server_request_duration_seconds_count\{[^}]*http_response_status_code=""200""[^}]*http_route=""/_matrix/client/versions""", text);
        Assert.Matches(@"http_server_request_duration_seconds_count\{[^}]*http_response_status_code=""401""", text);
        Assert.True(Value(text, "matrix_events_persisted_total", @"origin=""local""") >= 1, text);
        Assert.Matches(@"matrix_federation_queue_depth\{[^}]*destination=""127.0.0.1:1""", text);
        Assert.Equal(1, Value(text, "matrix_federation_send_failures_total", @"destination=""127.0.0.1:1"""));
        Assert.True(Value(text, "matrix_sync_waiters") >= 0, text);
        Assert.Contains("dotnet_gc_collections_total", text, StringComparison.Ordinal);
        if (_server.DatabaseProvider == "Postgres") Assert.Contains("db_client_connection", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// A long-poll woken by a message is answered from what the server keeps in memory (its memberships, the room's newest
    /// events, the unread rows the send left, key counts): no sync computation reads the database, which
    /// matrix_sync_computations_total shows by source. Also for a client that lazy-loads members (as Element does) and already
    /// has the sender's member event.
    /// </summary>
    [Theory]
    [InlineData("woken", null)]
    [InlineData("woken-lazy", """{"room":{"state":{"lazy_load_members":true},"timeline":{"limit":20,"unread_thread_notifications":true}}}""")]
    public async Task A_long_poll_woken_by_a_message_is_answered_from_memory(string prefix, string? filter)
    {
        var alice = await _server.CreateUserAsync(prefix + "-alice");
        var bob = await _server.CreateUserAsync(prefix + "-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        var since = (await _server.SyncAsync(bob, filter: filter)).NextBatch();
        // Alice's first message: a lazy-loading client gets her member event with it, which the server reads once.
        await _server.SendMessageAsync(roomId, alice, "hello");
        var first = await _server.SyncAsync(bob, since, filter);
        if (filter is not null) Assert.Contains(alice.UserId, first.JoinedRoom(roomId).Events("state").Select(e => e.Str("state_key")));
        since = first.NextBatch();
        // What alice's message sets off after its answer (her presence, for one) reaches bob before the measured long-poll
        // parks: only the next message may wake it.
        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            var next = (await _server.SyncAsync(bob, since, filter)).NextBatch();
            var settled = next == since;
            since = next;
            return settled;
        }), "bob's syncs never settled");
        // A token the server never issued is the client's error, and computes nothing.
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/sync?since=not-a-token", bob.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

        // Bob's first sync read his memberships from the database.
        var before = await ScrapeUntilAsync(t => Value(t, "matrix_sync_computations_total", @"source=""database""") >= 1);
        var fromDatabase = Value(before, "matrix_sync_computations_total", @"source=""database""");
        var fromMemory = Value(before, "matrix_sync_computations_total", @"source=""memory""");
        var notifier = _server.Services.GetRequiredService<SyncNotifier>();
        var poll = _server.Http.GetJsonAsync(SyncClient.SyncPath(since, filter, timeoutMs: 30_000), bob.AccessToken);
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(notifier.Waiters == 1)), "bob's long-poll never parked");
        var sent = (await _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{roomId}/send/m.room.message/{prefix}-1",
            new JsonObject { ["msgtype"] = "m.text", ["body"] = "wake up" }, alice.AccessToken)).Ok()["event_id"]!.GetValue<string>();

        var answer = (await poll).Ok();
        // Something alice's earlier requests set off can still wake the poll first, later than the settling saw (a
        // clean-clone run of the whole suite did): then the next long-poll gets the message. Every answer counts below.
        for (var polls = 1; !answer.JoinedRoom(roomId).EventIds("timeline").Contains(sent) && polls < 5; polls++)
            answer = (await _server.Http.GetJsonAsync(SyncClient.SyncPath(answer.NextBatch(), filter, timeoutMs: 30_000), bob.AccessToken)).Ok();
        Assert.Contains(sent, answer.JoinedRoom(roomId).EventIds("timeline"));
        Assert.Empty(answer.JoinedRoom(roomId).Events("state"));
        var after = await ScrapeUntilAsync(t => Value(t, "matrix_sync_computations_total", @"source=""memory""") > fromMemory);
        Assert.Equal(fromDatabase, Value(after, "matrix_sync_computations_total", @"source=""database"""));
    }

    [Fact]
    public async Task A_request_forwarded_by_a_proxy_does_not_get_the_metrics()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using var response = await _server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<string> ScrapeUntilAsync(Func<string, bool> done)
    {
        var text = "";
        for (var attempt = 0; attempt < 100 && !done(text); attempt++)
        {
            if (attempt > 0) await Task.Delay(100);
            using var response = await _server.Http.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            text = await response.Content.ReadAsStringAsync();
        }

        // Only our lines and the request durations: the whole text is too long for a failure message.
        Assert.True(done(text), string.Join('\n', text.Split('\n').Where(l => l.StartsWith("matrix_", StringComparison.Ordinal) || l.StartsWith("http_server_request_duration_seconds_count", StringComparison.Ordinal))));
        return text;
    }

    /// <summary>The sample of a metric (the first whose labels contain <paramref name="label"/>), or -1.</summary>
    internal static double Value(string text, string metric, string label = "") =>
        Regex.Match(text, $@"^{metric}\{{[^}}]*{label}[^}}]*\}} (\S+)", RegexOptions.Multiline) is { Success: true } m
            ? double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : -1;
}

/// <summary>/metrics on a listener of its own, which serves nothing else; and no /metrics when disabled.</summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsListenerTests
{
    [Fact]
    public async Task The_metrics_listener_serves_metrics_only_and_the_client_listener_none()
    {
        await using var server = await TestHomeserver.StartAsync(s =>
        {
            s["Homeserver:Metrics:Enabled"] = "true";
            s["Homeserver:Metrics:Listener"] = "http://127.0.0.1:0";
        });
        var addresses = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var metricsUrl = new Uri(Assert.Single(addresses, a => new Uri(a).Port != server.BaseUrl.Port));
        using var scraper = new HttpClient { BaseAddress = metricsUrl };

        (await server.Http.GetJsonAsync("/_matrix/client/versions")).Ok();
        using var metrics = await scraper.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("http_server_request_duration_seconds", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetJsonAsync("/metrics")).Status);
        (await scraper.GetJsonAsync("/_matrix/client/versions")).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
    }

    [Fact]
    public async Task Metrics_are_off_by_default()
    {
        await using var server = await TestHomeserver.StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetJsonAsync("/metrics")).Status);
    }
}

/// <summary>The count behind matrix_sync_waiters.</summary>
public sealed class SyncWaitersTests
{
    [Fact]
    public async Task A_parked_long_poll_is_counted_until_it_is_woken()
    {
        var notifier = new Matrix.Homeserver.Streams.SyncNotifier(new Matrix.Homeserver.Streams.StreamIdGenerator());
        var seen = notifier.Version("@a:x");
        var waiting = notifier.WaitAsync("@a:x", seen, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal(1, notifier.Waiters);
        notifier.NotifyUser("@a:x");
        Assert.True(await waiting);
        Assert.Equal(0, notifier.Waiters);
    }
}
