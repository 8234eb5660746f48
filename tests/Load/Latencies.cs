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

    public static double Round(double value) => double.IsNaN(value) ? -1 : Math.Round(value, 2);
}
