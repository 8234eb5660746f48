using Matrix.Federation.Identifiers;

namespace Matrix.Homeserver.FederationApi.Ephemeral;

/// <summary>An EDU speaks only for users of the server that sent it.</summary>
public static class OriginUsers
{
    public static bool IsOf(string userId, string origin) => UserId.TryParse(userId, out var user, out _) && user.Server.Value == origin;
}
