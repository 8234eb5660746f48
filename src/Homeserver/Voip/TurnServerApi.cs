using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Voip;

/// <summary>
/// GET /_matrix/client/v3/voip/turnServer: TURN credentials for calls. With a shared secret they are
/// the TURN REST API's time-limited ones (username "expiry:user", password HMAC-SHA1 of it), which
/// coturn checks without asking us. Without TURN servers the answer is an empty object, as Synapse's.
/// </summary>
public static class TurnServerApi
{
    public static IEndpointRouteBuilder MapTurnServerApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_matrix/client/v3/voip/turnServer", (Requester r, HomeserverOptions options, TimeProvider clock) =>
            Results.Json(Credentials(r, options.Voip, clock.GetUtcNow())));
        return app;
    }

    public static JsonObject Credentials(Requester requester, VoipOptions voip, DateTimeOffset now)
    {
        if (voip.TurnUris.Count == 0 || (requester.IsGuest && !voip.TurnAllowGuests)) return new JsonObject();

        string username, password;
        if (voip.TurnSharedSecret is { } secret)
        {
            var expiry = now.ToUnixTimeSeconds() + voip.TurnUserLifetimeSeconds;
            username = expiry.ToString(CultureInfo.InvariantCulture) + ":" + requester.UserId;
#pragma warning disable CA5350 // HMAC-SHA1 is what the TURN REST API (and coturn) specify.
            password = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username)));
#pragma warning restore CA5350
        }
        else if (voip.TurnUsername is { } fixedName && voip.TurnPassword is { } fixedPassword)
        {
            (username, password) = (fixedName, fixedPassword);
        }
        else
        {
            return new JsonObject();
        }

        return new JsonObject
        {
            ["username"] = username,
            ["password"] = password,
            ["uris"] = new JsonArray([.. voip.TurnUris.Select(u => (JsonNode)u)]),
            ["ttl"] = voip.TurnUserLifetimeSeconds,
        };
    }
}
