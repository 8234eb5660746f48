namespace Matrix.Federation.Transport.Discovery;

/// <summary>The order in which to try SRV targets (RFC 2782): lowest priority first, weighted random within one.</summary>
public static class SrvRecordOrder
{
    public static IReadOnlyList<SrvRecord> Sort(IEnumerable<SrvRecord> records, Random? random = null)
    {
        random ??= Random.Shared;
        var ordered = new List<SrvRecord>();
        foreach (var group in records.GroupBy(r => r.Priority).OrderBy(g => g.Key))
        {
            // Zero weights first, as the RFC asks, so they have a small chance when others weigh more.
            var remaining = group.OrderBy(r => r.Weight == 0 ? 0 : 1).ToList();
            while (remaining.Count > 0)
            {
                var total = remaining.Sum(r => (long)r.Weight);
                var pick = total == 0 ? 0 : random.NextInt64(total + 1);
                var index = 0;
                for (long running = 0; index < remaining.Count - 1; index++)
                {
                    running += remaining[index].Weight;
                    if (running >= pick) break;
                }

                ordered.Add(remaining[index]);
                remaining.RemoveAt(index);
            }
        }

        return ordered;
    }
}
