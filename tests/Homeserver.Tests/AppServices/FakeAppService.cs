using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.AppServices;

/// <summary>
/// An application service for tests: a Kestrel listener on 127.0.0.1 (a free port) that checks the homeserver's
/// hs_token, records the transactions it is sent, and answers user and alias queries, pings and third-party lookups
/// the way the test tells it to. <see cref="Down"/> makes it answer 503, as an AS that is restarting.
/// </summary>
public sealed class FakeAppService : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<(string TxnId, JsonObject Body)> _transactions = [];
    private TaskCompletionSource _changed = NewSignal();
    private volatile bool _down;
    private int _refused;
    private int _unauthorized;

    private LoopbackApp? _app;

    private FakeAppService(string hsToken) => HsToken = hsToken;

    public string HsToken { get; }
    public string Url => _app!.BaseAddress.ToString().TrimEnd('/');

    /// <summary>While true, transactions are answered 503 (and counted in <see cref="RefusedTransactions"/>).</summary>
    public bool Down { get => _down; set => _down = value; }

    public int RefusedTransactions => Volatile.Read(ref _refused);

    /// <summary>Requests that carried a wrong or no hs_token.</summary>
    public int Unauthorized => Volatile.Read(ref _unauthorized);

    /// <summary>User queries asked (user IDs), and what to do: return true when the user now exists.</summary>
    public ConcurrentQueue<string> UserQueries { get; } = new();
    public Func<string, Task<bool>> OnUserQuery { get; set; } = _ => Task.FromResult(false);

    public ConcurrentQueue<string> AliasQueries { get; } = new();
    public Func<string, Task<bool>> OnAliasQuery { get; set; } = _ => Task.FromResult(false);

    /// <summary>Transaction IDs of pings received.</summary>
    public ConcurrentQueue<string?> Pings { get; } = new();

    /// <summary>Answers of the third-party endpoints, by path after /_matrix/app/v1/thirdparty (e.g. "/protocol/irc"); others 404.</summary>
    public ConcurrentDictionary<string, JsonNode> ThirdParty { get; } = new();

    /// <summary>Query strings of the third-party requests received.</summary>
    public ConcurrentQueue<string> ThirdPartyQueries { get; } = new();

    public static async Task<FakeAppService> StartAsync(string hsToken)
    {
        var self = new FakeAppService(hsToken);
        self._app = await LoopbackApp.StartAsync(app => self.Map(app, hsToken));
        return self;
    }

    private void Map(WebApplication app, string hsToken)
    {
        var self = this;
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.Authorization.ToString() != "Bearer " + hsToken)
            {
                Interlocked.Increment(ref self._unauthorized);
                context.Response.StatusCode = 401;
                await context.Response.WriteAsJsonAsync(new JsonObject { ["errcode"] = "M_UNAUTHORIZED" });
                return;
            }

            await next(context);
        });
        app.MapPut("/_matrix/app/v1/transactions/{txnId}", async (string txnId, HttpRequest request) =>
        {
            if (self.Down)
            {
                Interlocked.Increment(ref self._refused);
                self.Signal();
                return Results.StatusCode(503);
            }

            var body = (JsonObject)(await JsonNode.ParseAsync(request.Body))!;
            self.Record(txnId, body);
            return Results.Json(new JsonObject());
        });
        app.MapGet("/_matrix/app/v1/users/{userId}", async (string userId) =>
        {
            self.UserQueries.Enqueue(userId);
            return await self.OnUserQuery(userId) ? Results.Json(new JsonObject()) : Results.Json(new JsonObject { ["errcode"] = "M_NOT_FOUND" }, statusCode: 404);
        });
        app.MapGet("/_matrix/app/v1/rooms/{alias}", async (string alias) =>
        {
            self.AliasQueries.Enqueue(alias);
            return await self.OnAliasQuery(alias) ? Results.Json(new JsonObject()) : Results.Json(new JsonObject { ["errcode"] = "M_NOT_FOUND" }, statusCode: 404);
        });
        app.MapPost("/_matrix/app/v1/ping", async (HttpRequest request) =>
        {
            var body = await JsonNode.ParseAsync(request.Body);
            self.Pings.Enqueue(body?["transaction_id"]?.GetValue<string>());
            return self.Down ? Results.Json(new JsonObject { ["errcode"] = "M_UNKNOWN" }, statusCode: 503) : Results.Json(new JsonObject());
        });
        app.MapGet("/_matrix/app/v1/thirdparty/{**rest}", (string rest, HttpRequest request) =>
        {
            self.ThirdPartyQueries.Enqueue(request.Path + request.QueryString);
            return self.ThirdParty.TryGetValue("/" + rest, out var answer)
                ? Results.Json(answer)
                : Results.Json(new JsonObject { ["errcode"] = "M_NOT_FOUND" }, statusCode: 404);
        });
    }

    /// <summary>Every transaction accepted so far: (txnId, body).</summary>
    public IReadOnlyList<(string TxnId, JsonObject Body)> Transactions
    {
        get { lock (_gate) return [.. _transactions]; }
    }

    /// <summary>Every event of the accepted transactions, in the order received.</summary>
    public IReadOnlyList<JsonObject> Events => Transactions.SelectMany(t => (t.Body["events"] as JsonArray ?? []).OfType<JsonObject>()).ToList();

    public IReadOnlyList<JsonObject> EphemeralEvents => Transactions.SelectMany(t => (t.Body["ephemeral"] as JsonArray ?? []).OfType<JsonObject>()).ToList();

    /// <summary>Waits (at most <paramref name="timeout"/>, 20 s by default) until <paramref name="condition"/> holds.</summary>
    public async Task WaitUntilAsync(Func<FakeAppService, bool> condition, string what, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            Task changed;
            lock (_gate) changed = _changed.Task;
            if (condition(this)) return;
            try
            {
                await changed.WaitAsync(TimeSpan.FromMilliseconds(200), cancel.Token);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"timed out waiting for {what}; got {Transactions.Count} transactions: {string.Join(" | ", Transactions.Select(t => t.Body.ToJsonString()))}");
            }
        }
    }

    /// <summary>The first event received that matches, waiting for it.</summary>
    public async Task<JsonObject> WaitForEventAsync(Func<JsonObject, bool> match, string what, TimeSpan? timeout = null)
    {
        await WaitUntilAsync(f => f.Events.Any(match), what, timeout);
        return Events.First(match);
    }

    public ValueTask DisposeAsync() => _app?.DisposeAsync() ?? ValueTask.CompletedTask;

    private void Record(string txnId, JsonObject body)
    {
        lock (_gate) _transactions.Add((txnId, body));
        Signal();
    }

    private void Signal()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
