using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.Passwords;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Accounts.Uia;

/// <summary>
/// m.login.password: the signed-in user proves it is them by their password. The identifier must name
/// the caller (Synapse's "validate_user_via_ui_auth"); a stolen access token alone is not enough.
/// </summary>
public sealed class PasswordStage(PasswordAuthenticator passwords) : IUiaStage
{
    public string Type => UiaStageTypes.Password;

    public async Task<string?> CheckAsync(UiaStageContext context, JsonObject auth, CancellationToken cancellationToken)
    {
        var requester = context.Request.Requester
            ?? throw new UiaStageException(ErrorCodes.Forbidden, "Password authentication needs a signed-in user");
        Storage.Entities.User user;
        try
        {
            user = await passwords.AuthenticateAsync(auth, cancellationToken);
        }
        catch (MatrixException e) when (e.StatusCode is 400 or 403)
        {
            throw new UiaStageException(e.ErrCode, e.Message);
        }

        // Another account's valid password is no failed attempt to retry: the request is refused outright (403, as Synapse).
        if (user.UserId != requester.UserId) throw MatrixException.Forbidden("The identifier does not name the signed-in user");
        return user.UserId;
    }
}
