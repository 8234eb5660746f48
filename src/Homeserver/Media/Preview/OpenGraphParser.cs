using System.Net;

namespace Matrix.Homeserver.Media.Preview;

/// <summary>
/// Reads OpenGraph metadata (&lt;meta property="og:…" content="…"&gt;), the page title and its
/// description from HTML. A single forward scan with no regular expressions: linear in the input,
/// whatever the page holds. Values are entity-decoded and bounded.
/// </summary>
public static class OpenGraphParser
{
    public const int MaxProperties = 50;
    public const int MaxValueLength = 1000;

    public static Dictionary<string, string> Parse(string html)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        string? title = null, description = null;
        var position = 0;
        while (properties.Count < MaxProperties)
        {
            var open = html.IndexOf('<', position);
            if (open < 0) break;
            if (StartsTag(html, open, "meta"))
            {
                var close = html.IndexOf('>', open);
                if (close < 0) break;
                var attributes = Attributes(html.AsSpan(open + 5, close - open - 5));
                var key = attributes.GetValueOrDefault("property") ?? attributes.GetValueOrDefault("name");
                if (key is not null && attributes.TryGetValue("content", out var content))
                {
                    if (key.StartsWith("og:", StringComparison.OrdinalIgnoreCase)) properties.TryAdd(key.ToLowerInvariant(), Clean(content));
                    else if (key.Equals("description", StringComparison.OrdinalIgnoreCase)) description ??= Clean(content);
                }

                position = close + 1;
            }
            else if (title is null && StartsTag(html, open, "title"))
            {
                var close = html.IndexOf('>', open);
                if (close < 0) break;
                var end = html.IndexOf("</title", close, StringComparison.OrdinalIgnoreCase);
                if (end < 0) break;
                title = Clean(html[(close + 1)..end]);
                position = end;
            }
            else
            {
                position = open + 1;
            }
        }

        if (title is { Length: > 0 }) properties.TryAdd("og:title", title);
        if (description is { Length: > 0 }) properties.TryAdd("og:description", description);
        return properties;
    }

    private static bool StartsTag(string html, int open, string name) =>
        string.Compare(html, open + 1, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) == 0
        && open + 1 + name.Length < html.Length
        && html[open + 1 + name.Length] is ' ' or '\t' or '\n' or '\r' or '/' or '>';

    /// <summary>name=value pairs of a tag: double-, single- or unquoted values; names lower-cased.</summary>
    private static Dictionary<string, string> Attributes(ReadOnlySpan<char> tag)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < tag.Length)
        {
            while (i < tag.Length && (char.IsWhiteSpace(tag[i]) || tag[i] == '/')) i++;
            var nameStart = i;
            while (i < tag.Length && !char.IsWhiteSpace(tag[i]) && tag[i] is not '=' and not '/') i++;
            var name = tag[nameStart..i].ToString().ToLowerInvariant();
            while (i < tag.Length && char.IsWhiteSpace(tag[i])) i++;
            if (i >= tag.Length || tag[i] != '=')
            {
                if (name.Length == 0) i++;
                continue;
            }

            i++;
            while (i < tag.Length && char.IsWhiteSpace(tag[i])) i++;
            string value;
            if (i < tag.Length && tag[i] is '"' or '\'')
            {
                var quote = tag[i++];
                var end = tag[i..].IndexOf(quote);
                var length = end < 0 ? tag.Length - i : end;
                value = tag.Slice(i, length).ToString();
                i += length + 1;
            }
            else
            {
                var valueStart = i;
                while (i < tag.Length && !char.IsWhiteSpace(tag[i])) i++;
                value = tag[valueStart..i].ToString();
            }

            if (name.Length > 0) result.TryAdd(name, value);
        }

        return result;
    }

    private static string Clean(string value)
    {
        var decoded = WebUtility.HtmlDecode(value).Trim();
        return decoded.Length > MaxValueLength ? decoded[..MaxValueLength] : decoded;
    }
}
