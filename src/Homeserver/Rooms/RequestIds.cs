using Matrix.Federation.Identifiers;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Rooms;

/// <summary>Checks identifiers taken from paths and bodies; a malformed one is 400 M_INVALID_PARAM.</summary>
public static class RequestIds
{
    public static string RoomId(string? value) =>
        Matrix.Federation.Identifiers.RoomId.IsValid(value) ? value! : throw MatrixException.InvalidParam($"'{value}' is not a valid room ID");

    public static string UserId(string? value) =>
        Matrix.Federation.Identifiers.UserId.IsValid(value) ? value! : throw MatrixException.InvalidParam($"'{value}' is not a valid user ID");

    public static RoomAlias Alias(string? value) =>
        RoomAlias.TryParse(value, out var alias, out _) ? alias : throw MatrixException.InvalidParam($"'{value}' is not a valid room alias");

    /// <summary>The server part of a user ID.</summary>
    public static string ServerOf(string userId) => userId[(userId.IndexOf(':', StringComparison.Ordinal) + 1)..];

    public static bool IsLocal(string userId, string serverName) => ServerOf(userId) == serverName;
}
