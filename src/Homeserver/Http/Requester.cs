using Matrix.Homeserver.Accounts.Devices;
using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Accounts.Tokens;

namespace Matrix.Homeserver.Http;

/// <summary>
/// The authenticated caller of a client endpoint. A handler that takes a Requester parameter is
/// authenticated: minimal APIs call <see cref="BindAsync"/>, which answers 401 M_MISSING_TOKEN or
/// M_UNKNOWN_TOKEN when the access token is absent or not valid. An application service's as_token is a valid
/// token too: the request then acts as the AS's sender, or as the user (and device) it asserts.
/// </summary>
public sealed record Requester(string UserId, string DeviceId, long AccessTokenId, bool IsGuest)
{
    /// <summary>The application service making the request (with its as_token), or null for a user's own token.</summary>
    public string? AppServiceId { get; init; }

    /// <summary>False for an application service registered with rate_limited: false.</summary>
    public bool RateLimited { get; init; } = true;

    /// <summary>
    /// The <c>ts</c> an application service asked for (timestamp massaging); only sends and state events use it.
    /// </summary>
    public long? Timestamp { get; init; }

    /// <summary>The account is locked (spec: Account locking): only logout is answered.</summary>
    public bool Locked { get; init; }

    /// <summary>The account is suspended (spec: Account suspension): see <see cref="RestrictedAccess"/>.</summary>
    public bool Suspended { get; init; }

    /// <summary>Whether the request names a device: an application service may act without one (DeviceId is then empty).</summary>
    public bool HasDevice => DeviceId.Length > 0;

    public static async ValueTask<Requester?> BindAsync(HttpContext context)
    {
        var token = ReadAccessToken(context.Request)
            ?? throw new MatrixException(401, ErrorCodes.MissingToken, "Missing access token");
        var appService = context.RequestServices.GetRequiredService<AppServiceRegistry>().ByAsToken(token);
        var requester = appService is not null
            ? await context.RequestServices.GetRequiredService<AppServiceAuthenticator>().AuthenticateAsync(appService, context.Request, context.RequestAborted)
            : await context.RequestServices.GetRequiredService<AccessTokenService>().ValidateAsync(token, context.RequestAborted);
        if (requester.Locked) throw RestrictedAccess.LockedError();
        context.Items[typeof(Requester)] = requester;
        if (requester.HasDevice) context.RequestServices.GetRequiredService<DeviceActivity>().Record(requester, context.Connection.RemoteIpAddress?.ToString());
        return requester;
    }

    /// <summary>The bearer token from the Authorization header, or the deprecated access_token query parameter.</summary>
    public static string? ReadAccessToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        return request.Query.TryGetValue("access_token", out var q) && q.Count > 0 ? q[0] : null;
    }
}
