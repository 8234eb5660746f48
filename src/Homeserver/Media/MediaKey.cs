using System.Security.Cryptography;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Media;

/// <summary>
/// The two parts of an mxc:// URI. Every key built from a request is checked here before it reaches
/// the disk: the server name against the grammar, the media ID against [A-Za-z0-9_-]+ (spec
/// "Security considerations"), so no path traversal or encoded trick survives.
/// </summary>
public readonly record struct MediaKey(string Origin, string MediaId)
{
    /// <summary>Longest media ID accepted from a URL (a file name component).</summary>
    public const int MaxMediaIdLength = 255;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public string MxcUri => $"mxc://{Origin}/{MediaId}";

    /// <summary>A new random local media ID: 24 characters of [A-Za-z0-9].</summary>
    public static string NewMediaId() => RandomNumberGenerator.GetString(Alphabet, 24);

    public static bool IsValidMediaId(string? mediaId) =>
        !string.IsNullOrEmpty(mediaId) && mediaId.Length <= MaxMediaIdLength
        && mediaId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>Validates both parts from a request path.</summary>
    /// <exception cref="MatrixException">400 M_INVALID_PARAM when either part is malformed.</exception>
    public static MediaKey FromRequest(string serverName, string mediaId)
    {
        if (!ServerNames.IsValid(serverName)) throw MatrixException.InvalidParam("Invalid server name");
        if (!IsValidMediaId(mediaId)) throw MatrixException.InvalidParam("Invalid media ID");
        return new MediaKey(serverName, mediaId);
    }
}
