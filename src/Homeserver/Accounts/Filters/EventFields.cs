using System.Text;
using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Accounts.Filters;

/// <summary>
/// The event_fields projection: keeps only the listed dot-separated paths (appendices, "Dot-separated
/// property paths": a literal dot in a key is written \. and a literal backslash \\).
/// </summary>
public static class EventFields
{
    public static JsonObject Project(JsonObject ev, IReadOnlyList<string> fields)
    {
        var result = new JsonObject();
        foreach (var field in fields)
        {
            var path = Split(field);
            if (path.Count == 0) continue;
            JsonNode? source = ev;
            var found = true;
            foreach (var key in path)
            {
                if (source is JsonObject obj && obj.TryGetPropertyValue(key, out var child)) source = child;
                else
                {
                    found = false;
                    break;
                }
            }

            if (found) Place(result, path, source);
        }

        return result;
    }

    /// <summary>Splits on unescaped dots, unescaping \. and \\.</summary>
    public static List<string> Split(string field)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < field.Length; i++)
        {
            var c = field[i];
            if (c == '\\' && i + 1 < field.Length && field[i + 1] is '.' or '\\')
            {
                current.Append(field[++i]);
            }
            else if (c == '.')
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        parts.Add(current.ToString());
        return parts;
    }

    private static void Place(JsonObject target, List<string> path, JsonNode? value)
    {
        for (var i = 0; i < path.Count - 1; i++)
        {
            if (target[path[i]] is not JsonObject next)
            {
                next = new JsonObject();
                target[path[i]] = next;
            }

            target = next;
        }

        target[path[^1]] = value?.DeepClone();
    }
}
