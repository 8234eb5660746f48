using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Push;

/// <summary>
/// A push gateway for tests: a tiny Kestrel app on a loopback port that records each POST to
/// /_matrix/push/v1/notify and answers what <see cref="Answer"/> says (200 {"rejected": []} by default).
/// </summary>
public sealed class PushGatewayStub : IAsyncDisposable
{
    private readonly Channel<JsonObject> _received = Channel.CreateUnbounded<JsonObject>();
    private LoopbackApp? _app;

    /// <summary>The status and body to answer a notification with (a 3xx status comes with a Location back to this gateway).</summary>
    public Func<JsonObject, (int Status, JsonObject Body)> Answer { get; set; } = Accept;

    /// <summary>The usual answer: 200, nothing rejected.</summary>
    public static (int Status, JsonObject Body) Accept(JsonObject notification) => (200, new JsonObject { ["rejected"] = new JsonArray() });

    public static string? PushkeyOf(JsonObject notification) => notification["notification"]?["devices"]?[0]?["pushkey"]?.GetValue<string>();

    public string NotifyUrl { get; private set; } = "";

    public static async Task<PushGatewayStub> StartAsync()
    {
        var stub = new PushGatewayStub();
        stub._app = await LoopbackApp.StartAsync(app => app.MapPost("/_matrix/push/v1/notify", async (HttpRequest request, HttpResponse response) =>
        {
            // Typed exactly as Synapse sends it: SyTest's gateway refuses a charset parameter, and so does this one.
            if (request.ContentType != "application/json") return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
            var body = (JsonObject)(await JsonNode.ParseAsync(request.Body))!;
            stub._received.Writer.TryWrite(body);
            var (status, answer) = stub.Answer(body);
            // A redirect points back here: a client that followed it would be answered 200.
            if (status is >= 300 and < 400) response.Headers.Location = stub.NotifyUrl + "?redirected=1";
            return Results.Json(answer, statusCode: status);
        }));
        stub.NotifyUrl = new Uri(stub._app.BaseAddress, "/_matrix/push/v1/notify").ToString();
        return stub;
    }

    /// <summary>
    /// The next notification received (for <paramref name="pushkey"/> when given: others, such as a late
    /// retry meant for an earlier test, are skipped), waiting at most <paramref name="timeout"/>: by default 30 s, longer
    /// than the server's gateway request timeout (10 s), so that one request stalled by a loaded machine (this stub runs in
    /// the test process, beside a thousand other tests) is retried before the test gives up.
    /// </summary>
    public async Task<JsonObject> NextAsync(string? pushkey = null, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                var received = await _received.Reader.ReadAsync(cancel.Token);
                if (pushkey is null || PushkeyOf(received) == pushkey) return received;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("the push gateway received nothing");
        }
    }

    /// <summary>
    /// Whether a notification (for <paramref name="pushkey"/> when given) arrives within <paramref name="wait"/>. The
    /// gateway is shared by a class's tests: an earlier test's pusher may still be retrying.
    /// </summary>
    public async Task<bool> ReceivesWithinAsync(TimeSpan wait, string? pushkey = null)
    {
        try
        {
            await NextAsync(pushkey, wait);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => _app?.DisposeAsync() ?? ValueTask.CompletedTask;
}
