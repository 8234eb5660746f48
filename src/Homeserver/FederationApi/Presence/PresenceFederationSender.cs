using System.Collections.Concurrent;
using System.Threading.Channels;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationApi.KeysEdus;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Sync.Presence;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Presence;

/// <summary>
/// Sends local users' presence to every other server sharing a room with them (Synapse's rule), off the request path:
/// changed users go to one bounded queue that a single loop drains, reading each user's presence as it is then, so a
/// burst of changes sends the latest. One EDU per user and destination with the user as coalescing key: a newer one
/// replaces one still queued for a slow or backed-off server, and the outbox packs up to 100 into a transaction.
/// Every <see cref="PingInterval"/> the users who are not offline are sent again, since other servers time out a
/// remote user they hear nothing of (Synapse: 30 minutes).
/// </summary>
public sealed class PresenceFederationSender(
    PresenceService presence, UserServerDestinations destinationsOf, FederationOutbox outbox, IDbContextFactory<HomeserverDbContext> dbs,
    HomeserverOptions options, TimeProvider clock, ILogger<PresenceFederationSender> logger)
    : BackgroundService
{
    /// <summary>Synapse's FEDERATION_PING_INTERVAL, under the 30-minute timeout of the receiving side.</summary>
    public static readonly TimeSpan PingInterval = TimeSpan.FromMinutes(25);

    /// <summary>
    /// How long after a user of another server joined our users' room their presence goes to that server: its join is
    /// still under way there (our send_join answer, its persisting the room), and an EDU about users it does not share a
    /// room with yet would be dropped. SyTest expects the presence within two seconds of the join.
    /// </summary>
    public static readonly TimeSpan IntroductionDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long after our user joined a room its presence goes to the room's other servers: they know the room, and the
    /// join event, queued a moment after, should reach them first.
    /// </summary>
    public static readonly TimeSpan JoinedIntroductionDelay = TimeSpan.FromMilliseconds(250);

    private const int MaxQueued = 10_000;
    private static readonly TimeSpan PingCheckInterval = TimeSpan.FromMinutes(1);

    private readonly Channel<string> _changed = Channel.CreateBounded<string>(
        new BoundedChannelOptions(MaxQueued) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly Channel<(string Server, IReadOnlyList<string> Users, long DueTs)> _introductions =
        Channel.CreateBounded<(string, IReadOnlyList<string>, long)>(new BoundedChannelOptions(MaxQueued) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>After <paramref name="delay"/>, sends the current presence of the local users who are not offline to the server.</summary>
    public void IntroduceLater(string server, IReadOnlyList<string> localUsers, TimeSpan delay) =>
        _introductions.Writer.TryWrite((server, localUsers, Now() + (long)delay.TotalMilliseconds));

    /// <summary>When each user's presence was last queued for other servers (ms since the epoch).</summary>
    private readonly ConcurrentDictionary<string, long> _lastSent = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!presence.Enabled || !options.Federation.Enabled) return;
        presence.LocalChanged += Queue;
        try
        {
            await Task.WhenAll(SendChangesAsync(stoppingToken), PingAsync(stoppingToken), IntroduceAsync(stoppingToken));
        }
        finally
        {
            presence.LocalChanged -= Queue;
        }
    }

    private void Queue(UserPresence changed) => _changed.Writer.TryWrite(changed.UserId);

    private async Task SendChangesAsync(CancellationToken cancellationToken)
    {
        await foreach (var userId in _changed.Reader.ReadAllAsync(cancellationToken))
        {
            await SendAsync(userId, cancellationToken);
        }
    }

    private async Task IntroduceAsync(CancellationToken cancellationToken)
    {
        await foreach (var (server, users, dueTs) in _introductions.Reader.ReadAllAsync(cancellationToken))
        {
            var wait = dueTs - Now();
            if (wait > 0) await Task.Delay(TimeSpan.FromMilliseconds(wait), clock, cancellationToken);
            foreach (var current in users.Select(presence.Get).OfType<UserPresence>().Where(p => p.State != PresenceState.Offline))
            {
                try
                {
                    await outbox.EnqueueEduAsync(server, PresenceEdu.Type, PresenceEdu.Content(current, Now()), current.UserId, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Could not queue the presence of {UserId}", current.UserId);
                }
            }
        }
    }

    private async Task PingAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(PingCheckInterval, clock);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var due = Now() - (long)PingInterval.TotalMilliseconds;
            foreach (var p in presence.Local.Where(p => p.State != PresenceState.Offline && _lastSent.GetValueOrDefault(p.UserId) < due).ToList())
            {
                await SendAsync(p.UserId, cancellationToken);
            }
        }
    }

    private async Task SendAsync(string userId, CancellationToken cancellationToken)
    {
        try
        {
            if (presence.Get(userId) is not { } current) return;
            IReadOnlyList<string> destinations;
            await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
            {
                destinations = await destinationsOf.ForUserAsync(db, userId, options.ServerName, cancellationToken);
            }

            var now = Now();
            _lastSent[userId] = now;
            foreach (var destination in destinations)
            {
                await outbox.EnqueueEduAsync(destination, PresenceEdu.Type, PresenceEdu.Content(current, now), userId, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not queue the presence of {UserId}", userId);
        }
    }

    private long Now() => clock.GetUtcNow().ToUnixTimeMilliseconds();
}
