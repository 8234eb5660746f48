namespace Matrix.Homeserver.Accounts;

/// <summary>The shape check for room IDs in request paths (v12 IDs have no server part).</summary>
public static class RoomIds
{
    public static bool IsValid(string? roomId) =>
        roomId is { Length: > 1 and <= 255 } && roomId[0] == '!' && !roomId.Any(c => char.IsControl(c) || char.IsWhiteSpace(c));
}
