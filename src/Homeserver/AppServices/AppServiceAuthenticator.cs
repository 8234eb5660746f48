using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// Turns a request carrying an as_token into its <see cref="Requester"/> (spec: "Identity assertion"): the AS's
/// sender, or the <c>user_id</c> it names when that user is in its users namespace and exists, optionally with the
/// <c>device_id</c> (MSC3202) when that device is the user's.
/// </summary>
public sealed class AppServiceAuthenticator(IDbContextFactory<HomeserverDbContext> dbs, AppServiceSender sender)
{
    public async Task<Requester> AuthenticateAsync(AppServiceRegistration appService, HttpRequest request, CancellationToken cancellationToken)
    {
        // An AS that calls us is up: its backed-off transactions need not wait any longer.
        sender.Contacted(appService.Id);
        var userId = Query(request, "user_id") ?? appService.SenderUserId;
        var deviceId = Query(request, "device_id") ?? Query(request, "org.matrix.msc3202.device_id");
        if (userId != appService.SenderUserId || deviceId is not null)
        {
            await using var db = await dbs.CreateDbContextAsync(cancellationToken);
            if (userId != appService.SenderUserId)
            {
                if (!appService.IsInterestedInUser(userId)) throw MatrixException.Forbidden("Application service cannot masquerade as this user");
                // Synapse's rule: the AS acts only for users that exist (it registers them first).
                if (!await db.Users.AnyAsync(u => u.UserId == userId, cancellationToken))
                {
                    throw MatrixException.Forbidden("Application service has not registered this user");
                }
            }

            if (deviceId is not null && !await db.Devices.AnyAsync(d => d.UserId == userId && d.DeviceId == deviceId, cancellationToken))
            {
                throw new MatrixException(400, ErrorCodes.UnknownDevice, "Application service is trying to use a device that does not exist for this user");
            }
        }

        return new Requester(userId, deviceId ?? "", AccessTokenId: 0, IsGuest: false)
        {
            AppServiceId = appService.Id,
            RateLimited = appService.RateLimited,
            Timestamp = Timestamp(request),
        };
    }

    /// <summary>?ts=: what origin_server_ts accepts (a non-negative integer within JSON's safe range), else 400.</summary>
    private static long? Timestamp(HttpRequest request)
    {
        if (Query(request, "ts") is not { } text) return null;
        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ts) && ts <= (1L << 53) - 1
            ? ts
            : throw MatrixException.InvalidParam("ts must be a timestamp in milliseconds");
    }

    private static string? Query(HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var values) && values.Count > 0 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;
}
