using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Identity;

namespace Matrix.Homeserver.Rooms.ThirdPartyInvites;

/// <summary>Whom a third-party invite is for (an email address, a phone number) and the identity server that knows them.</summary>
public sealed record ThirdPartyInvitee(string IdServer, string IdAccessToken, string Medium, string Address)
{
    /// <summary>The invite_3pid fields of /invite and createRoom; each is required.</summary>
    public static ThirdPartyInvitee From(JsonObject body)
    {
        var invitee = new ThirdPartyInvitee(Required(body, "id_server"), Required(body, "id_access_token"), Required(body, "medium"), Required(body, "address"));
        IdentityServerClient.BaseOf(invitee.IdServer);
        return invitee;
    }

    private static string Required(JsonObject body, string key) =>
        body[key] switch
        {
            null => throw MatrixException.MissingParam($"Missing {key}"),
            JsonValue v when v.TryGetValue(out string? s) && s.Length > 0 => s,
            _ => throw MatrixException.InvalidParam($"{key} must be a non-empty string"),
        };
}
