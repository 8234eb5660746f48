using Matrix.Homeserver.Accounts.Filters;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Operations;
using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Sync.Presence;
using Matrix.Homeserver.Sync.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync;

/// <summary>
/// GET /sync: computes the answer for the window after the client's token, and when there is nothing
/// to say waits on the <see cref="SyncNotifier"/> (a parked task, no polling) until something for
/// this user commits or the timeout passes. The notifier's counter is read before each computation,
/// so a change that commits while computing still wakes the wait. Each computation takes at most one
/// DbContext (shared by the streams, taken on first use) and gives it back before any wait: no database
/// connection is held while waiting.
/// </summary>
internal sealed class SyncService(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    RoomsStream rooms,
    IEnumerable<ISyncStream> otherStreams,
    UnreadNotificationCounts unread,
    HomeserverMetrics metrics,
    StreamIdGenerator streams,
    StreamChanges changes,
    EphemeralSerial serial,
    SyncNotifier notifier,
    PresenceService presence,
    UnansweredSends unanswered,
    HomeserverOptions options,
    TimeProvider clock) : IDisposable
{
    // Sync computations at a time. A message into a big room wakes every member's long-poll at once: run
    // together, a thousand computations took every pooled database connection and every thread-pool turn, so
    // each answered late and other requests (sends) waited behind them all; a few at a time answer in turn.
    private readonly SemaphoreSlim _computing = new(Environment.ProcessorCount * 4);
    private readonly ISyncStream[] _streams = [.. otherStreams];

    public void Dispose() => _computing.Dispose();

    public async Task<SyncAnswer> SyncAsync(Requester requester, SyncRequest request, SyncFilter filter, CancellationToken cancellationToken)
    {
        using var syncing = presence.SyncStarted(requester.UserId, request.SetPresence);
        // full_state answers at once; an initial sync too, whatever the timeout.
        var waits = request.Since is not null && !request.FullState;
        var timeout = TimeSpan.FromMilliseconds(waits ? Math.Min(request.TimeoutMs, options.Sync.MaxTimeoutMs) : 0);
        var started = clock.GetTimestamp();
        // A long-poll that resumes where the user's last answer ended, with nothing signalled for the user since, waits
        // before it computes: a computation could find nothing yet. (In a busy room every member's client re-polls right
        // after each answer; computing then doubled the work of every message.)
        var timedOut = waits && timeout > TimeSpan.Zero
            && notifier.TryResume(requester.UserId, request.Since!.Value.Position, request.Since.Value.Serial, out var answeredAfter)
            && !await notifier.WaitAsync(requester.UserId, answeredAfter, timeout, cancellationToken);
        while (!timedOut)
        {
            var version = notifier.Version(requester.UserId);
            var (response, upTo) = await BuildAsync(requester, request, filter, cancellationToken);
            var remaining = timeout - clock.GetElapsedTime(started);
            if (!response.IsEmpty || remaining <= TimeSpan.Zero) return await AnswerAsync(requester, request, response, upTo, version, cancellationToken);
            timedOut = !await notifier.WaitAsync(requester.UserId, version, remaining, cancellationToken);
        }

        // Timed out: answer once more at the current positions, so the client's next token skips what
        // was not for it (and catches anything that committed just before its notification).
        var lastVersion = notifier.Version(requester.UserId);
        var (last, end) = await BuildAsync(requester, request, filter, cancellationToken);
        return await AnswerAsync(requester, request, last, end, lastVersion, cancellationToken);
    }

    /// <summary>
    /// The device's own sends in flight are answered first (see <see cref="UnansweredSends"/>). Checked once the answer
    /// is computed, not before: a send that committed while the answer was computed may be in it, and such a send was
    /// tracked before it committed, so it is waited for here.
    /// </summary>
    /// <param name="version">The user's notifier counter, read before the answer was computed.</param>
    private async Task<SyncAnswer> AnswerAsync(Requester requester, SyncRequest request, SyncResponse response, SyncToken upTo, long version,
        CancellationToken cancellationToken)
    {
        if (!response.IsEmpty) await unanswered.WhenAnsweredAsync(requester, cancellationToken);
        notifier.Answered(requester.UserId, upTo.Position, upTo.Serial, version);
        return new SyncAnswer(response, upTo.ToString(), request.UseStateAfter);
    }

    private async Task<(SyncResponse Response, SyncToken UpTo)> BuildAsync(Requester requester, SyncRequest request, SyncFilter filter, CancellationToken cancellationToken)
    {
        await _computing.WaitAsync(cancellationToken);
        try
        {
            return await ComputeAsync(requester, request, filter, cancellationToken);
        }
        finally
        {
            _computing.Release();
        }
    }

    private async Task<(SyncResponse Response, SyncToken UpTo)> ComputeAsync(Requester requester, SyncRequest request, SyncFilter filter, CancellationToken cancellationToken)
    {
        var upTo = new SyncToken(streams.Current, serial.Current);
        await using var context = new SyncContext(dbFactory)
        {
            Requester = requester,
            Filter = filter,
            Since = request.Since,
            UpTo = upTo,
            FullState = request.FullState,
            UseStateAfter = request.UseStateAfter,
            Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        var response = new SyncResponse();
        await rooms.AddAsync(context, response, cancellationToken);
        foreach (var stream in _streams) await stream.AddAsync(context, response, cancellationToken);
        await AddUnreadCountsAsync(context, response, unread, changes, cancellationToken);
        metrics.SyncComputed(context.ReadDatabase);
        return (response, upTo);
    }

    /// <summary>The push feature's unread counts of every joined room in the answer.</summary>
    private static async Task AddUnreadCountsAsync(SyncContext context, SyncResponse response, UnreadNotificationCounts unread, StreamChanges changes,
        CancellationToken cancellationToken)
    {
        // Notifications are written just after their events commit (the sync may have sent the events
        // already): rooms whose counts changed in the window are in the answer for their counts alone.
        if (context.Since is { } since && !context.FullState && changes.Notifications.MayHaveChanged(context.UserId, since.Position))
        {
            if (changes.NotificationRooms.Covers(since.Position))
            {
                // A loop, not a query with a closure: every woken long-poll of a room's members comes here.
                foreach (var roomId in context.JoinedRooms)
                {
                    if (changes.NotificationRooms.MayHaveChanged(StreamChanges.UserInRoom(context.UserId, roomId), since.Position)) response.JoinedRoom(roomId);
                }
            }
            else
            {
                foreach (var roomId in await unread.RoomsWithNewNotificationsAsync(context.Db, context.UserId, since.Position, context.UpTo.Position, cancellationToken))
                {
                    if (context.JoinedRooms.Contains(roomId)) response.JoinedRoom(roomId);
                }
            }
        }

        var byThread = context.Filter.Room.Timeline.UnreadThreadNotifications;
        var counts = await unread.GetAsync(context, context.UserId, response.Join.Keys, context.UpTo.Position, byThread, cancellationToken);
        foreach (var (roomId, room) in response.Join)
        {
            if (!counts.TryGetValue(roomId, out var c)) continue;
            room.UnreadNotifications = c.Room;
            if (byThread) room.UnreadThreadNotifications = c.Threads;
        }
    }
}
