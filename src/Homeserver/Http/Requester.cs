using Matrix.Homeserver.Accounts.Devices;
using Matrix.Homeserver.Accounts.Tokens;

namespace Matrix.Homeserver.Http;

/// <summary>
/// The authenticated caller of a client endpoint. A handler that takes a Requester parameter is
/// authenticated: minimal APIs call <see cref="BindAsync"/>, which answers 401 M_MISSING_TOKEN or
/// M_UNKNOWN_TOKEN when the access token is absent or not valid.
/// </summary>
public sealed record Requester(string UserId, string DeviceId, long AccessTokenId, bool IsGuest)
{
    public static async ValueTask<Requester?> BindAsync(HttpContext context)
    {
        var token = ReadAccessToken(context.Request)
            ?? throw new MatrixException(401, ErrorCodes.MissingToken, "Missing access token");
        var tokens = context.RequestServices.GetRequiredService<AccessTokenService>();
        var requester = await tokens.ValidateAsync(token, context.RequestAborted);
        context.Items[typeof(Requester)] = requester;
        context.RequestServices.GetRequiredService<DeviceActivity>().Record(requester, context.Connection.RemoteIpAddress?.ToString());
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
