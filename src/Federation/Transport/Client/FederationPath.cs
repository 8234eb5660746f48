using System.Text;

namespace Matrix.Federation.Transport.Client;

/// <summary>Builds request targets: every path segment and query value percent-encoded, so what is signed is what is sent.</summary>
public static class FederationPath
{
    /// <summary>One path segment (a room ID, event ID, transaction ID...) escaped.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>The path with a query string of the non-null parameters (repeated keys allowed).</summary>
    public static string WithQuery(string path, IEnumerable<KeyValuePair<string, string?>> query)
    {
        var text = new StringBuilder(path);
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        foreach (var (key, value) in query)
        {
            if (value is null) continue;
            text.Append(separator).Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        return text.ToString();
    }
}
