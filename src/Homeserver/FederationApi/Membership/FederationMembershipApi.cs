using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Federation.Events;
using Matrix.Homeserver.FederationApi.Auth;
using Matrix.Homeserver.FederationApi.Hosting;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.FederationApi.Membership;

/// <summary>
/// Membership over federation, the versions Synapse serves and calls: make_join/make_leave/make_knock (v1),
/// send_join and send_leave (v1, answered as [200, body], and v2), send_knock (v1), invite (v2, and v1 for rooms of version 1 or 2).
/// </summary>
public static class FederationMembershipApi
{
    public static IEndpointRouteBuilder MapFederationMembershipApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapFederationGroup("/_matrix/federation/v1");
        var v2 = app.MapFederationGroup("/_matrix/federation/v2");
        v1.MapGet("/make_join/{roomId}/{userId}", (string roomId, string userId, HttpRequest http, FederationRequester r, IMediator m) =>
            MakeAsync(roomId, userId, Memberships.Join, Versions(http), r, m, http.HttpContext.RequestAborted));
        v1.MapGet("/make_leave/{roomId}/{userId}", (string roomId, string userId, FederationRequester r, IMediator m, CancellationToken ct) =>
            MakeAsync(roomId, userId, Memberships.Leave, null, r, m, ct));
        v1.MapGet("/make_knock/{roomId}/{userId}", (string roomId, string userId, HttpRequest http, FederationRequester r, IMediator m) =>
            MakeAsync(roomId, userId, Memberships.Knock, Versions(http), r, m, http.HttpContext.RequestAborted));

        v1.MapPut("/send_join/{roomId}/{eventId}", async (string roomId, string eventId, FederationRequester r, IMediator m, CancellationToken ct) =>
            V1(await SendAsync(roomId, eventId, Memberships.Join, r, m, ct)));
        v2.MapPut("/send_join/{roomId}/{eventId}", async (string roomId, string eventId, FederationRequester r, IMediator m, CancellationToken ct) =>
            Results.Json(await SendAsync(roomId, eventId, Memberships.Join, r, m, ct)));
        v1.MapPut("/send_leave/{roomId}/{eventId}", async (string roomId, string eventId, FederationRequester r, IMediator m, CancellationToken ct) =>
            V1(await SendAsync(roomId, eventId, Memberships.Leave, r, m, ct)));
        v2.MapPut("/send_leave/{roomId}/{eventId}", async (string roomId, string eventId, FederationRequester r, IMediator m, CancellationToken ct) =>
            Results.Json(await SendAsync(roomId, eventId, Memberships.Leave, r, m, ct)));
        v1.MapPut("/send_knock/{roomId}/{eventId}", async (string roomId, string eventId, FederationRequester r, IMediator m, CancellationToken ct) =>
            Results.Json(await SendAsync(roomId, eventId, Memberships.Knock, r, m, ct)));

        v2.MapPut("/invite/{roomId}/{eventId}", async (string roomId, string eventId, FederationRequester r, IValidator<InviteBody> v, IMediator m,
            CancellationToken ct) =>
        {
            var body = JsonBody.Bind(r.Content ?? throw MatrixException.NotJson(), v);
            return Results.Json(await m.Send(new ReceiveInviteCommand(r.Origin, roomId, eventId, body), ct));
        });
        // v1 carries only the event (room state in its unsigned section) and, the spec says, means room version 1 or 2:
        // Synapse takes it as 1; for an invite the two differ in nothing that is checked here.
        v1.MapPut("/invite/{roomId}/{eventId}", async (string roomId, string eventId, FederationRequester r, IValidator<InviteBody> v, IMediator m,
            CancellationToken ct) =>
        {
            var invite = r.Content ?? throw MatrixException.NotJson();
            var body = JsonBody.Bind(new JsonObject
            {
                ["room_version"] = "1", ["event"] = invite.DeepClone(), ["invite_room_state"] = invite["unsigned"]?["invite_room_state"]?.DeepClone(),
            }, v);
            return V1(await m.Send(new ReceiveInviteCommand(r.Origin, roomId, eventId, body), ct));
        });
        return app;
    }

    private static async Task<IResult> MakeAsync(string roomId, string userId, string membership, IReadOnlyList<string>? versions, FederationRequester requester,
        IMediator mediator, CancellationToken cancellationToken) =>
        Results.Json(await mediator.Send(new MakeMembershipQuery(requester.Origin, roomId, userId, membership, versions), cancellationToken));

    private static async Task<JsonObject> SendAsync(string roomId, string eventId, string membership, FederationRequester requester, IMediator mediator,
        CancellationToken cancellationToken)
    {
        var pdu = requester.Content ?? throw MatrixException.NotJson();
        return await mediator.Send(new SendMembershipCommand(requester.Origin, roomId, eventId, membership, pdu), cancellationToken);
    }

    /// <summary>The v1 answers wrap the body: [200, body].</summary>
    private static IResult V1(JsonObject body) => Results.Json(new JsonArray(200, body));

    /// <summary>The ver parameters; without any, the room versions of old servers ("1").</summary>
    private static List<string> Versions(HttpRequest http)
    {
        var given = http.Query["ver"].OfType<string>().ToList();
        return given.Count > 0 ? given : ["1"];
    }
}
