using System.Collections.Concurrent;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Sync;

/// <summary>
/// The sends of each device whose HTTP answers have not gone out yet, or went out less than <see cref="Grace"/> ago.
/// The device's own /sync waits (briefly) for them before it answers, so a client reads the answer to its send before
/// the event's remote echo. matrix-js-sdk handles the echo arriving first for the main timeline, but for a thread reply
/// it then throws on the send's answer ("updatePendingEventStatus called on an event which is not a local echo"), and
/// the send is reported failed although it was sent.
/// </summary>
public sealed class UnansweredSends(TimeSpan? grace = null)
{
    /// <summary>A sync never waits longer than this for its device's sends: a slow answer must not stall the sync.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long after a send's answer went out its echo still waits: the client reads both from the network in the same
    /// instant otherwise, and handles them in either order (the race still failed one test run in ten).
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(20);

    private readonly TimeSpan _grace = grace ?? Grace;

    private readonly ConcurrentDictionary<(string UserId, string DeviceId), Device> _devices = new();

    /// <summary>Counts the request as a send of its device until its response has completed (sent, failed or aborted).</summary>
    public void Track(HttpContext context, Requester requester)
    {
        if (!requester.HasDevice) return;
        var key = (requester.UserId, requester.DeviceId);
        while (true)
        {
            var device = _devices.GetOrAdd(key, _ => new Device());
            if (!device.TryStart())
            {
                // Retired a moment ago, not yet removed by its last send: remove it here and take a fresh one.
                _devices.TryRemove(new KeyValuePair<(string, string), Device>(key, device));
                continue;
            }

            context.Response.OnCompleted(() =>
            {
                // Not awaited: Kestrel reads the connection's next request only once these callbacks are done.
                if (device.Finish() is { } last) _ = RetireAfterGraceAsync(key, device, last);
                return Task.CompletedTask;
            });
            return;
        }
    }

    private async Task RetireAfterGraceAsync((string UserId, string DeviceId) key, Device device, int last)
    {
        await Task.Delay(_grace);
        if (device.TryRetire(last)) _devices.TryRemove(new KeyValuePair<(string, string), Device>(key, device));
    }

    /// <summary>Completes when the device has no send in flight nor one answered within the grace, or after <see cref="MaxWait"/>.</summary>
    public Task WhenAnsweredAsync(Requester requester, CancellationToken cancellationToken)
    {
        if (!_devices.TryGetValue((requester.UserId, requester.DeviceId), out var device)) return Task.CompletedTask;
        var idle = device.Idle;
        return idle.IsCompleted ? idle : WaitAsync(idle, cancellationToken);
    }

    private static async Task WaitAsync(Task idle, CancellationToken cancellationToken)
    {
        try
        {
            await idle.WaitAsync(MaxWait, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Answer the sync anyway: a stuck send must not hold the device's events back.
        }
    }

    private sealed class Device
    {
        private readonly Lock _gate = new();
        private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        private int _answered;
        private bool _retired;

        public Task Idle => _idle.Task;

        public bool TryStart()
        {
            lock (_gate)
            {
                if (_retired) return false;
                _inFlight++;
                return true;
            }
        }

        /// <summary>When this was the last send in flight, its number among the device's answers (for <see cref="TryRetire"/>, after the grace).</summary>
        public int? Finish()
        {
            lock (_gate)
            {
                _answered++;
                return --_inFlight == 0 ? _answered : null;
            }
        }

        /// <summary>
        /// Retires the entry unless a send was started or answered after answer number <paramref name="last"/> (the
        /// grace then runs from that one's answer); its waiters go on.
        /// </summary>
        public bool TryRetire(int last)
        {
            lock (_gate)
            {
                if (_inFlight > 0 || _answered != last) return false;
                _retired = true;
            }

            _idle.TrySetResult();
            return true;
        }
    }
}
