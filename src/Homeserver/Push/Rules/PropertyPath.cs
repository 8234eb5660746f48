using System.Text;
using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Push.Rules;

/// <summary>
/// A dot-separated property path (appendix "Dot-separated property paths"): <c>content.m\.relates_to</c>
/// names <c>m.relates_to</c> inside <c>content</c>. <c>\.</c> and <c>\\</c> are escapes; any other
/// backslash is literal. Looking a path up walks the event's objects, which is what flattening the
/// event would give, without building the flattened map for every event.
/// </summary>
public sealed class PropertyPath
{
    private readonly string[] _segments;

    private PropertyPath(string text, string[] segments)
    {
        Text = text;
        _segments = segments;
    }

    public string Text { get; }

    public IReadOnlyList<string> Segments => _segments;

    public static PropertyPath Parse(string path)
    {
        var segments = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '\\' && i + 1 < path.Length && path[i + 1] is '.' or '\\')
            {
                current.Append(path[++i]);
            }
            else if (c == '.')
            {
                segments.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        segments.Add(current.ToString());
        return new PropertyPath(path, [.. segments]);
    }

    /// <summary>
    /// The value at this path. False when a property on the way is absent or not an object;
    /// true with a null <paramref name="value"/> for a present JSON null.
    /// </summary>
    public bool TryFind(JsonObject root, out JsonNode? value)
    {
        JsonObject current = root;
        for (var i = 0; i < _segments.Length; i++)
        {
            if (!current.TryGetPropertyValue(_segments[i], out var next))
            {
                break;
            }

            if (i == _segments.Length - 1)
            {
                value = next;
                return true;
            }

            if (next is not JsonObject child) break;
            current = child;
        }

        value = null;
        return false;
    }

    public override string ToString() => Text;
}
