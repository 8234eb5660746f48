using System.Collections.Concurrent;

namespace Matrix.Homeserver.FederationApi.Keys;

/// <summary>
/// When a server's keys may be fetched again: not within <see cref="MinimumInterval"/> of an answer (so unknown
/// key IDs cannot make us refetch on every request), and after failures only once a backoff has passed that
/// starts at <see cref="FirstBackoff"/> and doubles up to <see cref="MaximumBackoff"/>.
/// </summary>
public sealed class FetchSchedule(TimeProvider time)
{
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaximumBackoff = TimeSpan.FromMinutes(30);

    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset NotBefore)> _states = new(StringComparer.Ordinal);

    public bool MayFetch(string serverName) => !_states.TryGetValue(serverName, out var state) || time.GetUtcNow() >= state.NotBefore;

    public void Succeeded(string serverName) => _states[serverName] = (0, time.GetUtcNow() + MinimumInterval);

    public void Failed(string serverName)
    {
        var failures = (_states.TryGetValue(serverName, out var state) ? state.Failures : 0) + 1;
        var backoff = TimeSpan.FromTicks(Math.Min(FirstBackoff.Ticks << Math.Min(failures - 1, 16), MaximumBackoff.Ticks));
        _states[serverName] = (failures, time.GetUtcNow() + backoff);
    }
}
