using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Push.Rules;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Push.Gateway;

/// <summary>
/// Delivers notifications to HTTP pushers. Each pusher sends its user's notifications in order after
/// its last delivered one (kept in the database, so a restart resumes), one pusher at most once at a
/// time, several pushers in parallel, so a dead gateway never slows a live one. A failing gateway is
/// retried with exponential backoff (1 s doubling to 1 h); after a day of failure the notification is
/// skipped, as Synapse does, so a fixed gateway does not get a flood of stale ones. Pushkeys the gateway
/// rejects lose their pusher. After a read receipt each pusher also sends its user's new unread count alone (a
/// badge update, as Synapse sends it, best effort) when it differs from the last count the gateway got.
/// </summary>
public sealed class PushDeliveryWorker(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    PushDeliveryQueue queue,
    PushGatewayClient gateway,
    EventStore events,
    RoomStateReader state,
    UnreadNotificationCounts counts,
    HomeserverOptions options,
    TimeProvider clock,
    ILogger<PushDeliveryWorker> logger) : BackgroundService
{
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromDays(1);

    /// <summary>Notifications read per database round trip.</summary>
    private const int Batch = 20;

    /// <summary>Poked users whose pushers one query looks up.</summary>
    private const int MaxUsersPerLookup = 500;

    private readonly SemaphoreSlim _slots = new(16);
    private readonly ConcurrentDictionary<long, Task> _running = new();
    private readonly ConcurrentDictionary<long, byte> _again = new();
    private readonly ConcurrentDictionary<long, (TimeSpan Delay, DateTimeOffset RetryAt)> _backoff = new();
    private readonly ConcurrentDictionary<long, byte> _badgeDue = new();
    private readonly ConcurrentDictionary<long, long> _lastBadge = new();
    private CancellationToken _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        try
        {
            // Catch up on whatever arrived while the server was down.
            await using (var db = await dbFactory.CreateDbContextAsync(stoppingToken))
            {
                var pushers = await db.Set<Pusher>().AsNoTracking().Select(p => new { p.Id, p.UserId }).ToListAsync(stoppingToken);
                foreach (var pusher in pushers) queue.Track(pusher.UserId);
                foreach (var pusher in pushers) Start(pusher.Id);
            }

            // Every user poked meanwhile in one query: one message pokes each of its room's members.
            var users = new HashSet<string>(StringComparer.Ordinal);
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                users.Clear();
                while (users.Count < MaxUsersPerLookup && queue.Reader.TryRead(out var userId)) users.Add(userId);
                await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
                var badges = users.Where(queue.TakeBadge).ToHashSet(StringComparer.Ordinal);
                foreach (var pusher in await db.Set<Pusher>().AsNoTracking().Where(p => users.Contains(p.UserId)).Select(p => new { p.Id, p.UserId }).ToListAsync(stoppingToken))
                {
                    if (badges.Contains(pusher.UserId)) _badgeDue[pusher.Id] = 0;
                    Start(pusher.Id);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await Task.WhenAll(_running.Values).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // As the federation and application service senders: the stop's time ran out, not a failure to report.
            logger.LogWarning("Stopped before every push gateway request finished");
        }
    }

    public override void Dispose()
    {
        _slots.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// Runs the pusher unless it runs already (then it goes round once more) or waits out a backoff
    /// (only the scheduled <paramref name="retry"/> ends that).
    /// </summary>
    private void Start(long pusherId, bool retry = false)
    {
        if (_stopping.IsCancellationRequested) return;
        if (!retry && _backoff.TryGetValue(pusherId, out var backoff) && backoff.RetryAt > clock.GetUtcNow()) return;
        var run = new TaskCompletionSource();
        if (!_running.TryAdd(pusherId, run.Task))
        {
            _again[pusherId] = 0;
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RunAsync(pusherId);
            }
            finally
            {
                _running.TryRemove(pusherId, out _);
                run.SetResult();
                // A poke that came after the last round but before we left must not be lost.
                if (_again.TryRemove(pusherId, out _)) Start(pusherId);
            }
        });
    }

    private async Task RunAsync(long pusherId)
    {
        try
        {
            do
            {
                _again.TryRemove(pusherId, out _);
                TimeSpan? retryIn;
                await _slots.WaitAsync(_stopping);
                try
                {
                    retryIn = await DeliverAsync(pusherId, _stopping);
                }
                finally
                {
                    _slots.Release();
                }

                if (retryIn is { } delay)
                {
                    _again.TryRemove(pusherId, out _);
                    _ = RetryLaterAsync(pusherId, delay);
                    return;
                }
            }
            while (_again.ContainsKey(pusherId));
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Not the gateway's fault (the database, say): try again later like a gateway failure.
            logger.LogError(e, "Push delivery for pusher {PusherId} failed", pusherId);
            _ = RetryLaterAsync(pusherId, NextBackoff(pusherId, clock.GetUtcNow()));
        }
    }

    private async Task RetryLaterAsync(long pusherId, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, clock, _stopping);
            Start(pusherId, retry: true);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Sends the pusher's pending notifications in order; returns when to retry if the gateway failed.</summary>
    private async Task<TimeSpan?> DeliverAsync(long pusherId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        while (true)
        {
            var pusher = await db.Set<Pusher>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == pusherId, cancellationToken);
            if (pusher is null)
            {
                _backoff.TryRemove(pusherId, out _);
                return null;
            }

            var pending = await db.Set<EventPushAction>().AsNoTracking()
                .Where(a => a.UserId == pusher.UserId && a.StreamOrdering > pusher.LastStreamOrdering)
                .OrderBy(a => a.StreamOrdering).Take(Batch).ToListAsync(cancellationToken);
            if (pending.Count == 0)
            {
                if (_badgeDue.TryRemove(pusherId, out _)) await SendBadgeAsync(db, pusher, cancellationToken);
                return null;
            }

            foreach (var action in pending)
            {
                var rejected = await SendAsync(db, pusher, action, cancellationToken);
                if (rejected is null)
                {
                    var now = clock.GetUtcNow();
                    var failingSince = pusher.FailingSince ?? now.ToUnixTimeMilliseconds();
                    if (now.ToUnixTimeMilliseconds() - failingSince < GiveUpAfter.TotalMilliseconds)
                    {
                        await SetFailingSinceAsync(db, pusherId, failingSince, cancellationToken);
                        return NextBackoff(pusherId, now);
                    }

                    logger.LogWarning("Giving up on a notification for {UserId} after a day of push gateway failures", pusher.UserId);
                }
                else if (rejected.Contains(pusher.PushKey))
                {
                    logger.LogInformation("The push gateway rejected a pushkey of {UserId}: removing the pusher", pusher.UserId);
                    await db.Set<Pusher>().Where(p => p.Id == pusherId).ExecuteDeleteAsync(cancellationToken);
                    return null;
                }

                _backoff.TryRemove(pusherId, out _);
                // Only forward: the user may have reset the pusher meanwhile.
                await db.Set<Pusher>().Where(p => p.Id == pusherId && p.LastStreamOrdering < action.StreamOrdering)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.LastStreamOrdering, action.StreamOrdering).SetProperty(p => p.FailingSince, (long?)null), cancellationToken);
                pusher.LastStreamOrdering = action.StreamOrdering;
                pusher.FailingSince = null;
            }
        }
    }

    /// <summary>Posts one notification; null when the gateway failed, else the rejected pushkeys.</summary>
    private async Task<IReadOnlyList<string>?> SendAsync(HomeserverDbContext db, Pusher pusher, EventPushAction action, CancellationToken cancellationToken)
    {
        var redacted = await db.Events.AsNoTracking().Where(e => e.EventId == action.EventId).Select(e => e.RedactedBy).FirstOrDefaultAsync(cancellationToken);
        var pdu = redacted is null ? await events.GetAsync(db, action.EventId, cancellationToken) : null;
        // A redacted (or vanished) event is not worth a notification; a pusher without a usable url gets none.
        if (pdu is null || GatewayUri(pusher) is not { } uri) return [];

        var tweaks = PushActions.From(JsonNode.Parse(action.Actions) as JsonArray ?? []).Tweaks;
        var unread = await counts.GetTotalUnreadAsync(db, pusher.UserId, cancellationToken);
        var body = PushNotificationBuilder.Build(pdu, pusher.UserId, pusher, tweaks, unread, await RoomContextAsync(db, pdu, cancellationToken), options.Push.IncludeContent);
        var rejected = await gateway.NotifyAsync(uri, body, cancellationToken);
        if (rejected is not null) _lastBadge[pusher.Id] = unread;
        return rejected;
    }

    /// <summary>The unread count alone, when the gateway last got another one; a failure is not retried (the next one will do).</summary>
    private async Task SendBadgeAsync(HomeserverDbContext db, Pusher pusher, CancellationToken cancellationToken)
    {
        if (GatewayUri(pusher) is not { } uri) return;
        var unread = await counts.GetTotalUnreadAsync(db, pusher.UserId, cancellationToken);
        if (_lastBadge.TryGetValue(pusher.Id, out var last) && last == unread) return;
        if (await gateway.NotifyAsync(uri, PushNotificationBuilder.BuildBadge(pusher, unread), cancellationToken) is not null) _lastBadge[pusher.Id] = unread;
    }

    /// <summary>The pusher's gateway address (its data's url), null when it has none that parses.</summary>
    private static Uri? GatewayUri(Pusher pusher) =>
        JsonNode.Parse(pusher.Data)?["url"] is JsonValue u && u.TryGetValue(out string? url) && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null;

    private async Task<PushRoomContext> RoomContextAsync(HomeserverDbContext db, Pdu pdu, CancellationToken cancellationToken)
    {
        var sender = await db.RoomMemberships.AsNoTracking().Where(m => m.RoomId == pdu.RoomId && m.UserId == pdu.Sender)
            .Select(m => m.DisplayName).FirstOrDefaultAsync(cancellationToken);
        var name = await state.GetStateEventAsync(db, pdu.RoomId, EventTypes.Name, "", cancellationToken);
        var alias = await state.GetStateEventAsync(db, pdu.RoomId, EventTypes.CanonicalAlias, "", cancellationToken);
        return new PushRoomContext(sender, Text(name?.Content["name"]), Text(alias?.Content["alias"]));
    }

    private TimeSpan NextBackoff(long pusherId, DateTimeOffset now)
    {
        var delay = _backoff.TryGetValue(pusherId, out var previous) ? TimeSpan.FromTicks(Math.Min(previous.Delay.Ticks * 2, MaxBackoff.Ticks)) : InitialBackoff;
        _backoff[pusherId] = (delay, now + delay);
        logger.LogInformation("Push gateway failed for pusher {PusherId}: retrying in {Delay}", pusherId, delay);
        return delay;
    }

    private static Task<int> SetFailingSinceAsync(HomeserverDbContext db, long pusherId, long since, CancellationToken cancellationToken) =>
        db.Set<Pusher>().Where(p => p.Id == pusherId && p.FailingSince == null)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.FailingSince, since), cancellationToken);

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}
