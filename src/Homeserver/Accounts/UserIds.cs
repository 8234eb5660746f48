using System.Text;

namespace Matrix.Homeserver.Accounts;

/// <summary>User ID grammar (appendices, "User Identifiers") for IDs this server creates and reads.</summary>
public static class UserIds
{
    /// <summary>A user ID, sigil and server name included, is at most 255 bytes.</summary>
    public const int MaxBytes = 255;

    public static string Of(string localpart, string serverName) => $"@{localpart}:{serverName}";

    /// <summary>The localpart grammar new users get: a-z 0-9 . _ = - / + and nothing else.</summary>
    public static bool IsValidLocalpart(string localpart) =>
        localpart.Length > 0 && localpart.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '=' or '-' or '/' or '+');

    /// <summary>Splits @localpart:server; historical localparts may hold any character but ':'.</summary>
    public static bool TryParse(string? userId, out string localpart, out string serverName)
    {
        localpart = serverName = "";
        if (userId is null || userId.Length < 4 || userId[0] != '@' || Encoding.UTF8.GetByteCount(userId) > MaxBytes) return false;
        var colon = userId.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 1 || colon == userId.Length - 1) return false;
        localpart = userId[1..colon];
        serverName = userId[(colon + 1)..];
        return true;
    }

    public static bool IsValid(string? userId) => TryParse(userId, out _, out _);

    /// <summary>True when the ID is well formed and belongs to <paramref name="serverName"/>.</summary>
    public static bool IsLocal(string? userId, string serverName) =>
        TryParse(userId, out _, out var server) && server == serverName;
}
