using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Events.Relations;

/// <summary>The relationships API and the threads list (both /_matrix/client/v1).</summary>
public static class RelationsApi
{
    /// <summary>Synapse's defaults: 5 children or threads per page unless asked.</summary>
    public const int DefaultLimit = 5;

    public const int MaxLimit = 100;

    public static IEndpointRouteBuilder MapRelationsApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/_matrix/client/v1/rooms/{roomId}");
        // The optional relType and eventType segments are read from the route values.
        foreach (var pattern in (string[])["/relations/{eventId}", "/relations/{eventId}/{relType}", "/relations/{eventId}/{relType}/{eventType}"])
        {
            v1.MapGet(pattern, RelationsAsync);
        }

        v1.MapGet("/threads", ThreadsAsync);
        return app;
    }

    private static async Task<IResult> RelationsAsync(string roomId, string eventId, string? from, string? to, string? limit, string? dir, string? recurse,
        HttpRequest http, Requester requester, IMediator mediator, CancellationToken cancellationToken)
    {
        var query = new GetRelationsQuery(requester, roomId, eventId, http.RouteValues["relType"] as string, http.RouteValues["eventType"] as string, from,
            QueryParameters.ParseToken(to, "to"), QueryParameters.ParseLimit(limit, DefaultLimit, MaxLimit),
            QueryParameters.ParseDirection(dir, Direction.Backward), QueryParameters.ParseBoolean(recurse, "recurse"));
        return Results.Json(await mediator.Send(query, cancellationToken));
    }

    private static async Task<IResult> ThreadsAsync(string roomId, string? include, string? from, string? limit, Requester requester, IMediator mediator,
        CancellationToken cancellationToken)
    {
        var participated = include switch
        {
            null or "all" => false,
            "participated" => true,
            _ => throw MatrixException.InvalidParam("include must be all or participated"),
        };
        var query = new GetThreadsQuery(requester, roomId, participated, QueryParameters.ParseToken(from, "from"),
            QueryParameters.ParseLimit(limit, DefaultLimit, MaxLimit, min: 1));
        return Results.Json(await mediator.Send(query, cancellationToken));
    }
}
