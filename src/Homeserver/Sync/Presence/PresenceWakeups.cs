using System.Threading.Channels;

namespace Matrix.Homeserver.Sync.Presence;

/// <summary>
/// Wakes the users who share a room with someone whose presence changed, coalesced over a short window:
/// when a thousand members of a room come online together, each watcher is woken once per window for
/// all of them (one membership query per window) instead of once per change, which turned a big room's
/// start into a storm of syncs. Presence is not latency-critical; a window of 50 ms is not noticed.
/// </summary>
public sealed class PresenceWakeups(SyncWakeups wakeups, ILogger<PresenceWakeups> logger) : BackgroundService
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(50);

    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Queues a wake-up of the user and everyone who shares a joined room with them.</summary>
    public void Changed(string userId) => _changed.Writer.TryWrite(userId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (await _changed.Reader.WaitToReadAsync(stoppingToken))
        {
            await Task.Delay(Window, stoppingToken);
            var users = new HashSet<string>(StringComparer.Ordinal);
            while (_changed.Reader.TryRead(out var userId)) users.Add(userId);
            try
            {
                await wakeups.UsersSharingRoomsAsync(users, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The changes are in memory already: the watchers see them on their next sync.
                logger.LogWarning(e, "Presence wake-up of {Count} users' room-mates failed", users.Count);
            }
        }
    }
}
