using System.Globalization;

namespace Matrix.Load;

/// <summary>Command-line settings: --url, --users, --rooms, --messages, --concurrency, --pid.</summary>
public sealed record LoadOptions(Uri Url, int Users, int Rooms, int MessagesPerUser, int Concurrency, int? ServerPid)
{
    public static LoadOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected --name value, got '{args[i]}'");
            values[args[i][2..]] = args[i + 1];
        }

        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new LoadOptions(
            new Uri(values.GetValueOrDefault("url", "http://127.0.0.1:8008")),
            Int("users", 20), Int("rooms", 5), Int("messages", 25), Int("concurrency", 10),
            values.ContainsKey("pid") ? Int("pid", 0) : null);
    }
}
