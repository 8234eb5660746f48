using System.Text.Json.Nodes;

namespace Matrix.Homeserver.FederationApi.Auth;

/// <summary>
/// The authenticated server calling a federation endpoint. A handler that takes a FederationRequester parameter
/// is authenticated with X-Matrix: minimal APIs call <see cref="BindAsync"/>, which answers 401 M_UNAUTHORIZED
/// (400 for a malformed header) or 403 M_FORBIDDEN for a denied server.
/// </summary>
/// <param name="Origin">The origin server name, whose signature was verified.</param>
/// <param name="Content">The JSON body that was signed (PUT/POST), already parsed; null for GET.</param>
public sealed record FederationRequester(string Origin, JsonObject? Content)
{
    public static async ValueTask<FederationRequester?> BindAsync(HttpContext context)
    {
        // Authenticated once per request: by the federation middleware, or here for the first caller.
        if (context.Items.TryGetValue(typeof(FederationRequester), out var known) && known is FederationRequester requester) return requester;
        requester = await context.RequestServices.GetRequiredService<FederationAuthenticator>().AuthenticateAsync(context);
        context.Items[typeof(FederationRequester)] = requester;
        return requester;
    }
}
