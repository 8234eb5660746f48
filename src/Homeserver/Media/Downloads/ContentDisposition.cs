using System.Collections.Frozen;
using System.Text;

namespace Matrix.Homeserver.Media.Downloads;

/// <summary>
/// Content-Disposition for served media (RFC 6266, with RFC 5987 encoding for non-ASCII names), and
/// the spec's list of types safe to serve inline; everything else is an attachment, so a browser
/// never renders uploaded HTML, SVG or script on the homeserver's origin.
/// </summary>
public static class ContentDisposition
{
    private static readonly FrozenSet<string> InlineTypes = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "text/css", "text/plain", "text/csv", "application/json", "application/ld+json",
        "image/jpeg", "image/gif", "image/png", "image/apng", "image/webp", "image/avif",
        "video/mp4", "video/webm", "video/ogg", "video/quicktime",
        "audio/mp4", "audio/webm", "audio/aac", "audio/mpeg", "audio/ogg", "audio/wave", "audio/wav",
        "audio/x-wav", "audio/x-pn-wav", "audio/flac", "audio/x-flac");

    /// <summary>Whether the media type (parameters ignored) may be shown inline.</summary>
    public static bool IsInlineSafe(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        return InlineTypes.Contains(mediaType);
    }

    /// <summary>The header value: the disposition type, then the file name when there is one.</summary>
    public static string Build(bool inline, string? fileName)
    {
        var type = inline ? "inline" : "attachment";
        var name = fileName is null ? "" : new string(fileName.Where(c => !char.IsControl(c)).ToArray());
        if (name.Length == 0) return type;
        return name.All(c => c is >= ' ' and <= '~')
            ? $"{type}; filename=\"{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\""
            : $"{type}; filename*=utf-8''{Rfc5987Encode(name)}";
    }

    private static string Rfc5987Encode(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || "!#$&+-.^_`|~".Contains(c, StringComparison.Ordinal)) builder.Append(c);
            else builder.Append('%').Append(b.ToString("X2"));
        }

        return builder.ToString();
    }
}
