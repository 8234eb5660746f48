using FluentValidation;
using Matrix.Homeserver.FederationApi.Auth;
using Matrix.Homeserver.FederationApi.Hosting;
using Matrix.Homeserver.Http;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Homeserver.FederationApi.Events;

/// <summary>
/// The federation endpoints that read our room events: one event, the state at an event, an event's auth chain,
/// history (backfill), the events between two points, and the event closest to a time. All need X-Matrix; the
/// handlers check the room's ACL and that the asking server may read the room.
/// </summary>
public static class RoomEventsApi
{
    public static IEndpointRouteBuilder MapFederationRoomEventsApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapFederationGroup("/_matrix/federation/v1");
        v1.MapGet("/event/{eventId}", GetEventAsync);
        v1.MapGet("/state/{roomId}", ([FromQuery(Name = "event_id")] string? eventId, string roomId, FederationRequester requester, IMediator mediator,
            CancellationToken ct) => StateAsync(roomId, eventId, requester, mediator, idsOnly: false, ct));
        v1.MapGet("/state_ids/{roomId}", ([FromQuery(Name = "event_id")] string? eventId, string roomId, FederationRequester requester, IMediator mediator,
            CancellationToken ct) => StateAsync(roomId, eventId, requester, mediator, idsOnly: true, ct));
        v1.MapGet("/event_auth/{roomId}/{eventId}", EventAuthAsync);
        v1.MapGet("/backfill/{roomId}", BackfillAsync);
        v1.MapPost("/get_missing_events/{roomId}", MissingEventsAsync);
        v1.MapGet("/timestamp_to_event/{roomId}", TimestampAsync);
        return app;
    }

    private static async Task<IResult> GetEventAsync(string eventId, FederationRequester requester, IMediator mediator, CancellationToken cancellationToken) =>
        Results.Json(await mediator.Send(new GetPduQuery(requester.Origin, eventId), cancellationToken));

    private static async Task<IResult> StateAsync(string roomId, string? eventId, FederationRequester requester, IMediator mediator, bool idsOnly,
        CancellationToken cancellationToken) =>
        Results.Json(await mediator.Send(new GetRoomStateQuery(requester.Origin, roomId, FederationQuery.Required(eventId, "event_id"), idsOnly), cancellationToken));

    private static async Task<IResult> EventAuthAsync(string roomId, string eventId, FederationRequester requester, IMediator mediator,
        CancellationToken cancellationToken) =>
        Results.Json(await mediator.Send(new GetEventAuthQuery(requester.Origin, roomId, eventId), cancellationToken));

    private static async Task<IResult> BackfillAsync(string roomId, HttpRequest http, FederationRequester requester, IMediator mediator,
        CancellationToken cancellationToken)
    {
        var from = http.Query["v"].OfType<string>().Where(v => v.Length > 0).ToList();
        if (from.Count == 0) throw MatrixException.MissingParam("Missing v parameter");
        var limit = FederationQuery.Integer(http.Query["limit"], "limit");
        var query = new GetBackfillQuery(requester.Origin, roomId, from, (int)Math.Clamp(limit, 0, GetBackfillHandler.MaxLimit));
        return Results.Json(await mediator.Send(query, cancellationToken));
    }

    private static async Task<IResult> MissingEventsAsync(string roomId, FederationRequester requester, IMediator mediator, CancellationToken cancellationToken) =>
        Results.Json(await mediator.Send(new GetMissingEventsQuery(requester.Origin, roomId, requester.Content), cancellationToken));

    private static async Task<IResult> TimestampAsync(string roomId, string? ts, string? dir, FederationRequester requester, IMediator mediator,
        CancellationToken cancellationToken)
    {
        var timestamp = FederationQuery.Integer(ts, "ts");
        var forward = FederationQuery.Required(dir, "dir") switch
        {
            "f" => true,
            "b" => false,
            _ => throw MatrixException.InvalidParam("dir must be f or b"),
        };
        return Results.Json(await mediator.Send(new GetTimestampEventQuery(requester.Origin, roomId, timestamp, forward), cancellationToken));
    }
}
