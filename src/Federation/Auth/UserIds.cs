namespace Matrix.Federation.Auth;

/// <summary>
/// The user-ID checks the auth rules need. Deliberately as loose as Synapse's (a sigil, a localpart and
/// a server name after the first colon): historical user IDs carry characters the current grammar
/// forbids, and a stricter check here would split the room between servers. The identifier grammar
/// module can take this over once it exists.
/// </summary>
internal static class UserIds
{
    private const int MaxBytes = 255;

    public static bool IsValid(string userId) =>
        userId.Length > 2
        && userId[0] == '@'
        && userId.IndexOf(':', 1) is var colon and > 0
        && colon < userId.Length - 1
        && System.Text.Encoding.UTF8.GetByteCount(userId) <= MaxBytes;

    /// <summary>The server name of a user, room or v1/v2 event ID: what follows the first colon, or "".</summary>
    public static string Domain(string id)
    {
        var colon = id.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? "" : id[(colon + 1)..];
    }
}
