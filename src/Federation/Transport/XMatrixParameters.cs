namespace Matrix.Federation.Transport;

/// <summary>A hand-written reader for the auth-param list of an X-Matrix header, so quoted commas and escapes are handled.</summary>
internal static class XMatrixParameters
{
    private const int MaxParameters = 16;

    public static XMatrixError Parse(ReadOnlySpan<char> text, out Dictionary<string, string> parameters)
    {
        parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            text = SkipSpace(text);
            var eq = text.IndexOf('=');
            if (eq <= 0) return XMatrixError.Malformed;
            var name = text[..eq].TrimEnd(" \t");
            if (name.IsEmpty || name.ContainsAny(" \t,\"")) return XMatrixError.Malformed;
            text = SkipSpace(text[(eq + 1)..]);

            string value;
            if (!text.IsEmpty && text[0] == '"')
            {
                if (!ReadQuoted(ref text, out value)) return XMatrixError.Malformed;
            }
            else
            {
                var end = text.IndexOfAny(", \t");
                var token = end < 0 ? text : text[..end];
                if (token.IsEmpty || token.Contains('"')) return XMatrixError.Malformed;
                value = token.ToString();
                text = text[token.Length..];
            }

            if (!parameters.TryAdd(name.ToString().ToLowerInvariant(), value)) return XMatrixError.DuplicateParameter;
            if (parameters.Count > MaxParameters) return XMatrixError.Malformed;

            text = SkipSpace(text);
            if (text.IsEmpty) return XMatrixError.None;
            if (text[0] != ',') return XMatrixError.Malformed;
            text = text[1..];
        }
    }

    // A quoted-string: backslash takes the next character literally.
    private static bool ReadQuoted(ref ReadOnlySpan<char> text, out string value)
    {
        var builder = new System.Text.StringBuilder();
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                value = builder.ToString();
                text = text[(i + 1)..];
                return true;
            }

            if (c == '\\')
            {
                if (++i == text.Length) break;
                c = text[i];
            }

            builder.Append(c);
        }

        value = "";
        return false;
    }

    private static ReadOnlySpan<char> SkipSpace(ReadOnlySpan<char> text) => text.TrimStart(" \t");
}
