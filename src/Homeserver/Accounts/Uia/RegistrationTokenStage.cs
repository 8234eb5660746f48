using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.Registration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Accounts.Uia;

/// <summary>
/// m.login.registration_token: a valid token reserves one of its uses (pending) for the session, so a
/// limited token cannot be over-spent by parallel registrations. The reservation becomes a completed
/// use when the registration runs, or is released when the session expires.
/// </summary>
public sealed class RegistrationTokenStage(RegistrationTokenService tokens) : IUiaStage
{
    public string Type => UiaStageTypes.RegistrationToken;

    public async Task<string?> CheckAsync(UiaStageContext context, JsonObject auth, CancellationToken cancellationToken)
    {
        string token;
        try
        {
            token = JsonFields.String(auth, "token") ?? throw MatrixException.MissingParam("token is required");
        }
        catch (MatrixException e)
        {
            throw new UiaStageException(e.ErrCode, e.Message);
        }

        if (!await tokens.ReserveAsync(context.Db, token, cancellationToken))
        {
            throw new UiaStageException(ErrorCodes.Unauthorized, "Invalid registration token");
        }

        return token;
    }

    public Task OnSessionEndAsync(HomeserverDbContext db, string? result, bool consumed, CancellationToken cancellationToken) =>
        result is null ? Task.CompletedTask : tokens.EndReservationAsync(db, result, consumed, cancellationToken);
}
