using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Push;

/// <summary>Push requests as a client makes them, and a few database reads the push tests check.</summary>
internal static class PushTestClient
{
    public const string PushRules = "/_matrix/client/v3/pushrules";

    public static Task<MatrixResponse> SetPusherAsync(this TestHomeserver server, TestUser user, string url, string pushkey = "key-1",
        string appId = "org.example.app", JsonObject? extraData = null, bool? append = null)
    {
        var data = new JsonObject { ["url"] = url };
        foreach (var (key, value) in extraData ?? []) data[key] = value?.DeepClone();
        var body = new JsonObject
        {
            ["kind"] = "http", ["app_id"] = appId, ["pushkey"] = pushkey, ["app_display_name"] = "Example",
            ["device_display_name"] = "Phone", ["lang"] = "en", ["data"] = data,
        };
        if (append is { } a) body["append"] = a;
        return server.Http.PostJsonAsync("/_matrix/client/v3/pushers/set", body, user.AccessToken);
    }

    public static async Task<long> StreamOrderingAsync(this TestHomeserver server, string eventId)
    {
        await using var db = server.Db();
        return await db.Events.Where(e => e.EventId == eventId).Select(e => e.StreamOrdering!.Value).SingleAsync();
    }

    public static HomeserverDbContext Db(this TestHomeserver server) =>
        server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContext();

    /// <summary>Polls until <paramref name="condition"/> holds, for at most ten seconds.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition()) return;
            await Task.Delay(100);
        }

        Assert.Fail($"timed out waiting for {what}");
    }
}
