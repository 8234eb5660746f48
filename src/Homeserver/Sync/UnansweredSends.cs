using System.Collections.Concurrent;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Sync;

/// <summary>
/// The sends of each device whose HTTP answers have not gone out yet. The device's own /sync waits (briefly)
/// for them before it answers, so a client reads the answer to its send before the event's remote echo.
/// matrix-js-sdk handles the echo arriving first for the main timeline, but for a thread reply it then throws
/// on the send's answer ("updatePendingEventStatus called on an event which is not a local echo"), and the
/// send is reported failed although it was sent.
/// </summary>
public sealed class UnansweredSends
{
    /// <summary>A sync never waits longer than this for its device's sends: a slow answer must not stall the sync.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(2);

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
                if (device.Finish()) _devices.TryRemove(new KeyValuePair<(string, string), Device>(key, device));
                return Task.CompletedTask;
            });
            return;
        }
    }

    /// <summary>Completes when the device has no send in flight, or after <see cref="MaxWait"/>.</summary>
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

        /// <summary>True when this was the last send in flight: the entry retires, and its waiters go on.</summary>
        public bool Finish()
        {
            lock (_gate)
            {
                if (--_inFlight > 0) return false;
                _retired = true;
            }

            _idle.TrySetResult();
            return true;
        }
    }
}
