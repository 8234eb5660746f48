using Matrix.Homeserver.Events.Filtering;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Events.Reading;
using Matrix.Homeserver.Events.Sending;
using Matrix.Homeserver.Events.Timestamp;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Sync;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Homeserver.Events;

/// <summary>
/// Room events for clients: sending and redacting, reading one event, paging the timeline, the
/// context of an event and the event closest to a time. Handlers bind and hand over to Mediator.
/// </summary>
public static class EventsApi
{
    /// <summary>Bodies of sends are bounded before parsing: the canonical event is at most 64 KiB, and escapes can make raw JSON a few times larger.</summary>
    public const long MaxSendBodyBytes = 256 * 1024;

    /// <summary>Synapse's cap on page sizes.</summary>
    public const int MaxPageSize = 1000;

    public static IEndpointRouteBuilder MapRoomEventsApi(this IEndpointRouteBuilder app)
    {
        var v3 = app.MapGroup("/_matrix/client/v3/rooms/{roomId}");
        v3.MapPut("/send/{eventType}/{txnId}", SendAsync).WithMetadata(new RequestSizeLimitAttribute(MaxSendBodyBytes)).RateLimited(RateLimitPolicy.Send);
        // The r0-era forms without a transaction ID (Synapse still serves them): every call is a new event.
        v3.MapPost("/send/{eventType}", (string roomId, string eventType, Requester requester, HttpRequest http, IMediator mediator,
            UnansweredSends unanswered, CancellationToken cancellationToken) => SendAsync(roomId, eventType, null, requester, http, mediator, unanswered, cancellationToken))
            .WithMetadata(new RequestSizeLimitAttribute(MaxSendBodyBytes)).RateLimited(RateLimitPolicy.Send);
        v3.MapPut("/redact/{eventId}/{txnId}", RedactAsync).WithMetadata(new RequestSizeLimitAttribute(MaxSendBodyBytes)).RateLimited(RateLimitPolicy.Send);
        v3.MapPost("/redact/{eventId}", (string roomId, string eventId, Requester requester, HttpRequest http, IMediator mediator,
            UnansweredSends unanswered, CancellationToken cancellationToken) => RedactAsync(roomId, eventId, null, requester, http, mediator, unanswered, cancellationToken))
            .WithMetadata(new RequestSizeLimitAttribute(MaxSendBodyBytes)).RateLimited(RateLimitPolicy.Send);
        v3.MapGet("/event/{eventId}", GetEventAsync);
        v3.MapGet("/messages", MessagesAsync);
        v3.MapGet("/context/{eventId}", ContextAsync);
        app.MapGet("/_matrix/client/v1/rooms/{roomId}/timestamp_to_event", TimestampToEventAsync);
        return app;
    }

    private static async Task<IResult> SendAsync(string roomId, string eventType, string? txnId, Requester requester, HttpRequest http, IMediator mediator,
        UnansweredSends unanswered, CancellationToken cancellationToken)
    {
        unanswered.Track(http.HttpContext, requester);
        var content = await JsonBody.ReadObjectAsync(http);
        var eventId = await mediator.Send(new SendEventCommand(requester, roomId, eventType, txnId, http.Path, content), cancellationToken);
        return Results.Json(new { event_id = eventId });
    }

    private static async Task<IResult> RedactAsync(string roomId, string eventId, string? txnId, Requester requester, HttpRequest http, IMediator mediator,
        UnansweredSends unanswered, CancellationToken cancellationToken)
    {
        unanswered.Track(http.HttpContext, requester);
        var body = await JsonBody.ReadObjectAsync(http, emptyIsObject: true);
        var redactionId = await mediator.Send(new RedactEventCommand(requester, roomId, eventId, txnId, http.Path, body), cancellationToken);
        return Results.Json(new { event_id = redactionId });
    }

    private static async Task<IResult> GetEventAsync(string roomId, string eventId, Requester requester, IMediator mediator, CancellationToken cancellationToken) =>
        Results.Json(await mediator.Send(new GetEventQuery(requester, roomId, eventId), cancellationToken));

    private static async Task<IResult> MessagesAsync(string roomId, string? dir, string? from, string? to, string? limit, string? filter, Requester requester,
        IMediator mediator, CancellationToken cancellationToken)
    {
        var query = new GetMessagesQuery(requester, roomId, QueryParameters.ParseDirection(dir, fallback: null), from, QueryParameters.ParseToken(to, "to"),
            QueryParameters.ParseLimit(limit, 10, MaxPageSize), RoomEventFilter.FromQuery(filter));
        return Results.Json(await mediator.Send(query, cancellationToken));
    }

    private static async Task<IResult> ContextAsync(string roomId, string eventId, string? limit, string? filter, Requester requester, IMediator mediator,
        CancellationToken cancellationToken)
    {
        var query = new GetEventContextQuery(requester, roomId, eventId, QueryParameters.ParseLimit(limit, 10, MaxPageSize), RoomEventFilter.FromQuery(filter));
        return Results.Json(await mediator.Send(query, cancellationToken));
    }

    private static async Task<IResult> TimestampToEventAsync(string roomId, string? ts, string? dir, Requester requester, IMediator mediator,
        CancellationToken cancellationToken)
    {
        var query = new TimestampToEventQuery(requester, roomId, QueryParameters.ParseInteger(ts, "ts"), QueryParameters.ParseDirection(dir, fallback: null));
        return Results.Json(await mediator.Send(query, cancellationToken));
    }
}
