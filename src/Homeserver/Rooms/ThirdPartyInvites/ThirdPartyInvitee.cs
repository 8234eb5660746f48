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
        var invitee = new ThirdPartyInvitee(JsonBody.RequiredString(body, "id_server"), JsonBody.RequiredString(body, "id_access_token"),
            JsonBody.RequiredString(body, "medium"), JsonBody.RequiredString(body, "address"));
        IdentityServerClient.BaseOf(invitee.IdServer);
        return invitee;
    }
}
