using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Rooms.Upgrades;

/// <summary>
/// Power levels content copied into another room (Synapse's copy_and_fixup_power_levels_contents):
/// every level becomes an integer, since older rooms allow "50" or 50.0 and newer versions do not.
/// Values that are no level at all are dropped.
/// </summary>
public static class PowerLevelsCopy
{
    private static readonly string[] MapKeys = ["users", "events", "notifications"];

    public static JsonObject Normalize(JsonObject content)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in content)
        {
            if (MapKeys.Contains(key))
            {
                if (value is not JsonObject map) continue;
                var levels = new JsonObject();
                foreach (var (entry, level) in map)
                {
                    if (Read(level) is { } l) levels[entry] = l;
                }

                copy[key] = levels;
            }
            else if (Read(value) is { } level)
            {
                copy[key] = level;
            }
        }

        return copy;
    }

    /// <summary>A level as a number, or null when it is none.</summary>
    public static long? Read(JsonNode? node)
    {
        if (node is not JsonValue value) return null;
        return value.GetValueKind() switch
        {
            JsonValueKind.Number when value.TryGetValue(out long l) => l,
            JsonValueKind.Number when value.TryGetValue(out int i) => i,
            JsonValueKind.Number when value.TryGetValue(out double d) && double.IsFinite(d) && Math.Abs(d) < long.MaxValue => (long)Math.Truncate(d),
            JsonValueKind.String when long.TryParse(value.GetValue<string>().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) => s,
            _ => null,
        };
    }

    public static long Level(JsonObject content, string key, long fallback) => Read(content[key]) ?? fallback;
}
