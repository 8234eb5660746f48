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
public sealed class UnansweredSends(TimeSpan? grace = null, TimeProvider? clock = null)
{
    /// <summary>A sync never waits longer than this for its device's sends: a slow answer must not stall the sync.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long after a send's answer went out its echo still waits: the client reads both from the network in the same
    /// instant otherwise, and handles them in either order (the race still failed one test run in ten).
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(20);

    /// <summary>How often a send sweeps out the devices whose sends were all answered more than the grace ago.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(1);

    private readonly TimeSpan _grace = grace ?? Grace;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    private readonly ConcurrentDictionary<(string UserId, string DeviceId), Device> _devices = new();

    private long _nextSweep = (clock ?? TimeProvider.System).GetTimestamp();

    /// <summary>Counts the request as a send of its device until its response has completed (sent, failed or aborted).</summary>
    public void Track(HttpContext context, Requester requester)
    {
        if (!requester.HasDevice) return;
        var key = (requester.UserId, requester.DeviceId);
        while (true)
        {
            var device = _devices.GetOrAdd(key, static (_, clock) => new Device(clock), _clock);
            if (!device.TryStart())
            {
                // Swept a moment ago, not yet removed by the sweep: remove it here and take a fresh one.
                _devices.TryRemove(new KeyValuePair<(string, string), Device>(key, device));
                continue;
            }

            // The answer's time is only noted: no timer per send (a sync within the grace waits out the rest itself).
            // The callback returns at once: Kestrel reads the connection's next request only after it.
            context.Response.OnCompleted(static state =>
            {
                ((Device)state).Finish();
                return Task.CompletedTask;
            }, device);
            SweepNowAndThen();
            return;
        }
    }

    /// <summary>Completes when the device has no send in flight nor one answered within the grace, or after <see cref="MaxWait"/>.</summary>
    public Task WhenAnsweredAsync(Requester requester, CancellationToken cancellationToken)
    {
        if (!_devices.TryGetValue((requester.UserId, requester.DeviceId), out var device)) return Task.CompletedTask;
        return device.Pending(_grace).IsIdle ? Task.CompletedTask : WaitAsync(device, cancellationToken);
    }

    private async Task WaitAsync(Device device, CancellationToken cancellationToken)
    {
        var deadline = _clock.GetTimestamp() + (long)(MaxWait.TotalSeconds * _clock.TimestampFrequency);
        while (device.Pending(_grace) is { IsIdle: false } pending)
        {
            var left = _clock.GetElapsedTime(_clock.GetTimestamp(), deadline);
            // A stuck send must not hold the device's events back: past MaxWait, answer the sync anyway.
            if (left <= TimeSpan.Zero) return;
            if (pending.InFlight is { } inFlight)
            {
                try
                {
                    await inFlight.WaitAsync(left, _clock, cancellationToken);
                }
                catch (TimeoutException)
                {
                    return;
                }
            }
            else
            {
                // At least a millisecond: a shorter delay completes at once, and the loop would spin until the grace ends.
                var wait = pending.GraceLeft < left ? pending.GraceLeft : left;
                await Task.Delay(wait < MinDelay ? MinDelay : wait, _clock, cancellationToken);
            }
        }
    }

    private void SweepNowAndThen()
    {
        var now = _clock.GetTimestamp();
        var next = Interlocked.Read(ref _nextSweep);
        if (now < next || Interlocked.CompareExchange(ref _nextSweep, now + (long)(SweepInterval.TotalSeconds * _clock.TimestampFrequency), next) != next) return;
        foreach (var (key, device) in _devices)
        {
            if (device.TrySweep(_grace)) _devices.TryRemove(new KeyValuePair<(string, string), Device>(key, device));
        }
    }

    /// <summary>What a device's sync still waits for: its sends in flight, or the rest of the last answer's grace.</summary>
    private readonly record struct PendingSends(Task? InFlight, TimeSpan GraceLeft)
    {
        public bool IsIdle => InFlight is null && GraceLeft <= TimeSpan.Zero;
    }

    private sealed class Device(TimeProvider clock)
    {
        private readonly Lock _gate = new();
        private int _inFlight;
        private long _lastAnswered;
        private bool _swept;

        /// <summary>Completed when the last send in flight is answered; made only when a sync waits for one.</summary>
        private TaskCompletionSource? _noneInFlight;

        public bool TryStart()
        {
            lock (_gate)
            {
                if (_swept) return false;
                _inFlight++;
                return true;
            }
        }

        public void Finish()
        {
            TaskCompletionSource? waiters;
            lock (_gate)
            {
                _lastAnswered = clock.GetTimestamp();
                if (--_inFlight > 0) return;
                (waiters, _noneInFlight) = (_noneInFlight, null);
            }

            waiters?.TrySetResult();
        }

        public PendingSends Pending(TimeSpan grace)
        {
            lock (_gate)
            {
                if (_inFlight > 0) return new PendingSends((_noneInFlight ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task, grace);
                return new PendingSends(null, grace - clock.GetElapsedTime(_lastAnswered));
            }
        }

        /// <summary>Marks the entry for removal when nothing is in flight and the last answer's grace is over.</summary>
        public bool TrySweep(TimeSpan grace)
        {
            lock (_gate)
            {
                if (_inFlight > 0 || clock.GetElapsedTime(_lastAnswered) < grace) return false;
                _swept = true;
                return true;
            }
        }
    }
}
