using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Accounts;

/// <summary>
/// Reads who a login or m.login.password auth dict names: the identifier object (m.id.user) or the
/// deprecated top-level user field. Third-party identifiers are refused: no 3PIDs are bound here.
/// </summary>
public static class UserIdentifiers
{
    /// <summary>The fully qualified user ID named (a bare localpart gets this server's name).</summary>
    /// <exception cref="MatrixException">400 for a malformed identifier, 403 for a 3PID this server does not know.</exception>
    public static string Resolve(JsonObject dict, string serverName)
    {
        string? user;
        if (dict["identifier"] is { } identifierNode)
        {
            if (identifierNode is not JsonObject identifier) throw MatrixException.BadJson("identifier must be an object");
            var type = JsonFields.String(identifier, "type") ?? throw MatrixException.MissingParam("identifier.type is required");
            user = type switch
            {
                "m.id.user" => JsonFields.String(identifier, "user") ?? throw MatrixException.MissingParam("identifier.user is required"),
                "m.id.thirdparty" or "m.id.phone" => throw MatrixException.Forbidden("Unknown third-party identifier"),
                _ => throw new MatrixException(400, ErrorCodes.Unknown, $"Unknown identifier type '{type}'"),
            };
        }
        else if (JsonFields.String(dict, "user") is { } legacyUser)
        {
            user = legacyUser;
        }
        else if (dict.ContainsKey("medium") || dict.ContainsKey("address"))
        {
            throw MatrixException.Forbidden("Unknown third-party identifier");
        }
        else
        {
            throw MatrixException.MissingParam("identifier is required");
        }

        return user.StartsWith('@') ? user : UserIds.Of(user.ToLowerInvariant(), serverName);
    }
}
