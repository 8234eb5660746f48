using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationApi.Auth;
using Matrix.Homeserver.FederationApi.Hosting;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Identity;

namespace Matrix.Homeserver.Rooms.ThirdPartyInvites;

/// <summary>
/// The federation side of third-party invites: PUT /exchange_third_party_invite/{roomId} (the invitee's server asks
/// us, the inviter's, for the member invite) and /3pid/onbind (an identity server tells us a 3PID with pending invites
/// was bound to one of our users; unauthenticated, as identity servers are no homeservers, and served on the client
/// listener too, where Synapse serves it; only invites whose signatures hold come of it).
/// </summary>
public static class ThirdPartyInviteApi
{
    public static IServiceCollection AddThirdPartyInvites(this IServiceCollection services) =>
        services.AddSingleton<IdentityServerClient>().AddSingleton<ThirdPartyInviteService>();

    public static IEndpointRouteBuilder MapThirdPartyInviteApi(this IEndpointRouteBuilder app)
    {
        var federation = app.MapFederationGroup("/_matrix/federation/v1");
        federation.MapPut("/exchange_third_party_invite/{roomId}", async (string roomId, FederationRequester requester, ThirdPartyInviteService invites,
            HomeserverOptions options, CancellationToken ct) =>
        {
            var (sender, target, signed) = ExchangeRequest(RequestIds.RoomId(roomId), requester.Content ?? throw MatrixException.NotJson());
            if (!RequestIds.IsLocal(sender, options.ServerName)) throw MatrixException.Forbidden($"{sender} is not a user of this server");
            if (RequestIds.ServerOf(target) != requester.Origin) throw MatrixException.Forbidden($"{requester.Origin} cannot accept invites for {target}");
            await invites.InviteFromSignedAsync(roomId, sender, target, signed, ct);
            return Results.Json(new JsonObject());
        });
        federation.MapPut("/3pid/onbind", OnBindAsync).AllowUnauthenticated().AlsoOnClientListener();
        federation.MapPost("/3pid/onbind", OnBindAsync).AllowUnauthenticated().AlsoOnClientListener();
        return app;
    }

    /// <summary>The partial member event of an exchange: sender, invitee and the identity server's signed token.</summary>
    private static (string Sender, string Target, JsonObject Signed) ExchangeRequest(string roomId, JsonObject body)
    {
        if (JsonFields.String(body, "type") != EventTypes.Member) throw MatrixException.BadJson("type must be m.room.member");
        if (body["room_id"] is not null && JsonFields.String(body, "room_id") != roomId) throw MatrixException.BadJson("room_id does not match the path");
        var sender = RequestIds.UserId(JsonFields.String(body, "sender"));
        var target = RequestIds.UserId(JsonFields.String(body, "state_key"));
        if (body["content"] is not JsonObject content || JsonFields.String(content, "membership") != Memberships.Invite)
        {
            throw MatrixException.BadJson("content.membership must be invite");
        }

        if (content["third_party_invite"]?["signed"] is not JsonObject signed) throw MatrixException.BadJson("content.third_party_invite.signed is missing");
        return (sender, target, signed);
    }

    /// <summary>Each pending invite of the bound 3PID for one of our users becomes a member invite; one that fails is logged and skipped.</summary>
    private static async Task<IResult> OnBindAsync(HttpRequest request, ThirdPartyInviteService invites, HomeserverOptions options,
        ILoggerFactory loggers)
    {
        var body = await JsonBody.ReadObjectAsync(request);
        var logger = loggers.CreateLogger(typeof(ThirdPartyInviteApi));
        foreach (var invite in (body["invites"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var target = JsonFields.String(invite, "mxid");
            var sender = JsonFields.String(invite, "sender");
            var roomId = JsonFields.String(invite, "room_id");
            if (target is null || sender is null || roomId is null || invite["signed"] is not JsonObject signed
                || !Matrix.Federation.Identifiers.UserId.IsValid(target) || !Matrix.Federation.Identifiers.UserId.IsValid(sender)
                || !RequestIds.IsLocal(target, options.ServerName))
            {
                logger.LogInformation("Ignoring a bound third-party invite that is incomplete or not for a user of this server");
                continue;
            }

            try
            {
                await invites.ExchangeAsync(sender, target, RequestIds.RoomId(roomId), signed, request.HttpContext.RequestAborted);
            }
            catch (MatrixException e)
            {
                logger.LogInformation("A bound third-party invite to {RoomId} for {UserId} failed: {Reason}", roomId, target, e.Message);
            }
        }

        return Results.Json(new JsonObject());
    }
}
