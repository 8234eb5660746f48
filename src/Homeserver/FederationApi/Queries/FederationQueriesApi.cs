using System.Text.Json.Nodes;
using Matrix.Homeserver.FederationApi.Auth;
using Matrix.Homeserver.FederationApi.Hosting;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Rooms.Directory;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Homeserver.FederationApi.Queries;

/// <summary>
/// What other servers ask about us outside rooms' events: aliases and profiles (/query), the published room
/// directory (/publicRooms) and spaces (/hierarchy). All X-Matrix authenticated.
/// </summary>
public static class FederationQueriesApi
{
    public static IEndpointRouteBuilder MapFederationQueriesApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapFederationGroup("/_matrix/federation/v1");
        v1.MapGet("/query/directory", async ([FromQuery(Name = "room_alias")] string? alias, FederationRequester _, IMediator m, CancellationToken ct) =>
            Results.Json(await m.Send(new QueryDirectory(alias), ct)));
        v1.MapGet("/query/profile", async ([FromQuery(Name = "user_id")] string? userId, string? field, FederationRequester _, IMediator m, CancellationToken ct) =>
            Results.Json(await m.Send(new QueryProfile(userId, field), ct)));
        // The spec's generic form; the two types above are the only ones (their literal routes win over this one).
        v1.MapGet("/query/{queryType}", IResult (string queryType, FederationRequester _) =>
            throw MatrixException.NotFound($"No handler for query type '{queryType}'"));
        v1.MapGet("/publicRooms", async (string? limit, string? since, [FromQuery(Name = "include_all_networks")] string? allNetworks,
            [FromQuery(Name = "third_party_instance_id")] string? instance, FederationRequester _, IMediator m, CancellationToken ct) =>
        {
            var noRooms = instance is not null && !QueryParams.Bool(allNetworks, "include_all_networks");
            return Results.Json(await m.Send(new ListPublicRooms(QueryParams.Int(limit, "limit"), since, null, noRooms), ct));
        });
        v1.MapPost("/publicRooms", async (FederationRequester r, IMediator m, CancellationToken ct) =>
        {
            var body = JsonBody.Bind<DirectoryApi.PublicRoomsBody>(r.Content ?? []);
            var noRooms = body.ThirdPartyInstanceId is not null && body.IncludeAllNetworks != true;
            return Results.Json(await m.Send(new ListPublicRooms(body.Limit, body.Since, body.Filter, noRooms), ct));
        });
        v1.MapGet("/hierarchy/{roomId}", async (string roomId, [FromQuery(Name = "suggested_only")] string? suggestedOnly, FederationRequester r, IMediator m,
            CancellationToken ct) =>
            Results.Json(await m.Send(new GetServerHierarchy(r.Origin, RequestIds.RoomId(roomId), QueryParams.Bool(suggestedOnly, "suggested_only")), ct)));
        return app;
    }
}
