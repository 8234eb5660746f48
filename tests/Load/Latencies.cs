using System.Diagnostics;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Matrix.Load;

/// <summary>Collected durations in milliseconds (thread-safe), summarized as median, p99 and max.</summary>
public sealed class Latencies
{
    private readonly ConcurrentBag<double> _values = [];

    public int Count => _values.Count;

    public void Add(double milliseconds) => _values.Add(milliseconds);

    public void AddAll(Latencies other)
    {
        foreach (var value in other._values) _values.Add(value);
    }

    /// <summary>The mean (NaN when empty): for CPU times, which /proc counts in 10 ms ticks, finer than a median of them.</summary>
    public double Mean() => _values.IsEmpty ? double.NaN : _values.Average();

    public double Percentile(double p)
    {
        var sorted = _values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        // Nearest rank: the smallest value with at least p of the samples at or below it.
        var rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public JsonObject Summary() => new()
    {
        ["count"] = Count,
        ["p50_ms"] = Round(Percentile(0.50)),
        ["p99_ms"] = Round(Percentile(0.99)),
        ["max_ms"] = Round(Percentile(1.0)),
    };

    /// <summary>Runs <paramref name="operation"/> warm-up plus repeats times, one after another, until the deadline; times the repeats.</summary>
    public static async Task<Latencies> OneAtATimeAsync(int repeats, int warmup, Func<int, Task> operation, CancellationToken deadline)
    {
        var latencies = new Latencies();
        for (var n = 0; n < warmup + repeats && !deadline.IsCancellationRequested; n++)
        {
            var started = Stopwatch.GetTimestamp();
            await operation(n);
            if (n >= warmup) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return latencies;
    }

    public static double Round(double value) => double.IsNaN(value) ? -1 : Math.Round(value, 2);
}
