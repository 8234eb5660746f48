using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Push.Gateway;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Push.Pushers;

/// <summary>
/// A user's pushers (spec: POST /pushers/set): one per app ID and pushkey, tied to the device that set
/// it. A new or changed pusher starts after the newest stream position, so it never delivers old
/// notifications. <see cref="PusherCleanup"/> removes them with their device or account.
/// </summary>
public sealed class PusherService(IDbContextFactory<HomeserverDbContext> dbFactory, PushDeliveryQueue delivery, StreamIdGenerator streams, TimeProvider clock)
{
    public async Task<JsonArray> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var pushers = await db.Set<Pusher>().AsNoTracking().Where(p => p.UserId == userId).OrderBy(p => p.Id).ToListAsync(cancellationToken);
        return [.. pushers.Select(p => (JsonNode)ToJson(p))];
    }

    /// <summary>Creates or updates the requester's pusher; without append, the same app ID and pushkey leave other users.</summary>
    public async Task SetAsync(Requester requester, SetPusherBody body, CancellationToken cancellationToken)
    {
        var appId = body.AppId!;
        var pushkey = body.Pushkey!;
        // Before the pusher exists: a notification written once it does must not be dropped on its way to the worker.
        delivery.Track(requester.UserId);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (body.Append != true)
        {
            await db.Set<Pusher>().Where(p => p.AppId == appId && p.PushKey == pushkey && p.UserId != requester.UserId).ExecuteDeleteAsync(cancellationToken);
        }

        var pusher = await db.Set<Pusher>().FirstOrDefaultAsync(p => p.AppId == appId && p.PushKey == pushkey && p.UserId == requester.UserId, cancellationToken);
        if (pusher is null)
        {
            pusher = new Pusher
            {
                UserId = requester.UserId, Kind = body.Kind!, AppId = appId, PushKey = pushkey,
                AppDisplayName = "", DeviceDisplayName = "", Lang = "", Data = "{}",
            };
            db.Add(pusher);
        }

        pusher.Kind = body.Kind!;
        pusher.AppDisplayName = body.AppDisplayName!;
        pusher.DeviceDisplayName = body.DeviceDisplayName!;
        pusher.ProfileTag = body.ProfileTag;
        pusher.Lang = body.Lang!;
        pusher.Data = body.Data!.ToJsonString();
        pusher.DeviceId = requester.DeviceId;
        pusher.PushKeyTs = clock.GetUtcNow().ToUnixTimeMilliseconds();
        pusher.LastStreamOrdering = streams.Current;
        pusher.FailingSince = null;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task DeleteAsync(string userId, string appId, string pushkey, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Set<Pusher>().Where(p => p.UserId == userId && p.AppId == appId && p.PushKey == pushkey).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Device deletion (logout too): the pushers of those devices go (in the caller's transaction, if any).</summary>
    public Task<int> RemoveForDevicesAsync(HomeserverDbContext db, string userId, IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken) =>
        db.Set<Pusher>().Where(p => p.UserId == userId && p.DeviceId != null && deviceIds.Contains(p.DeviceId)).ExecuteDeleteAsync(cancellationToken);

    /// <summary>Deactivation: every pusher of the user goes.</summary>
    public Task<int> RemoveAllForUserAsync(HomeserverDbContext db, string userId, CancellationToken cancellationToken) =>
        db.Set<Pusher>().Where(p => p.UserId == userId).ExecuteDeleteAsync(cancellationToken);

    /// <summary>A pusher as GET /pushers shows it.</summary>
    public static JsonObject ToJson(Pusher pusher)
    {
        var json = new JsonObject
        {
            ["pushkey"] = pusher.PushKey,
            ["kind"] = pusher.Kind,
            ["app_id"] = pusher.AppId,
            ["app_display_name"] = pusher.AppDisplayName,
            ["device_display_name"] = pusher.DeviceDisplayName,
            ["lang"] = pusher.Lang,
            ["data"] = JsonNode.Parse(pusher.Data),
        };
        if (pusher.ProfileTag is not null) json["profile_tag"] = pusher.ProfileTag;
        return json;
    }
}
