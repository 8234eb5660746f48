using System.Net.Http.Headers;

namespace Matrix.Homeserver.Media;

/// <summary>Content types as stored: what the uploader said, when it parses, else application/octet-stream.</summary>
public static class MediaTypes
{
    public const string OctetStream = "application/octet-stream";
    private const int MaxLength = 255;

    public static string Normalize(string? contentType)
    {
        var value = contentType?.Trim();
        return !string.IsNullOrEmpty(value) && value.Length <= MaxLength && MediaTypeHeaderValue.TryParse(value, out _)
            ? value
            : OctetStream;
    }
}
