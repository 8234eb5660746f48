using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Accounts.Filters;

public sealed record CreateFilterCommand(Requester Requester, string UserId, JsonObject Filter) : ICommand<string>;

public sealed record GetFilterQuery(Requester Requester, string UserId, string FilterId) : IQuery<JsonObject>;

public sealed class FilterHandlers(FilterService filters) : ICommandHandler<CreateFilterCommand, string>, IQueryHandler<GetFilterQuery, JsonObject>
{
    public async ValueTask<string> Handle(CreateFilterCommand command, CancellationToken cancellationToken)
    {
        if (command.UserId != command.Requester.UserId) throw MatrixException.Forbidden("Cannot create filters for other users");
        return await filters.CreateAsync(command.UserId, command.Filter, cancellationToken);
    }

    public async ValueTask<JsonObject> Handle(GetFilterQuery query, CancellationToken cancellationToken)
    {
        if (query.UserId != query.Requester.UserId) throw MatrixException.Forbidden("Cannot get filters for other users");
        return await filters.GetJsonAsync(query.UserId, query.FilterId, cancellationToken) ?? throw MatrixException.NotFound("No such filter");
    }
}

/// <summary>POST /user/{userId}/filter and GET /user/{userId}/filter/{filterId}.</summary>
public static class FilterApi
{
    public static IEndpointRouteBuilder MapFilterApi(this IEndpointRouteBuilder app)
    {
        var filter = app.MapGroup("/_matrix/client/v3/user/{userId}/filter").DenyGuests();
        filter.MapPost("", async (Requester requester, string userId, HttpRequest http, IMediator mediator, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadObjectAsync(http);
            return Results.Json(new JsonObject { ["filter_id"] = await mediator.Send(new CreateFilterCommand(requester, userId, body), ct) });
        });
        filter.MapGet("/{filterId}", async (Requester requester, string userId, string filterId, IMediator mediator, CancellationToken ct) =>
            Results.Json(await mediator.Send(new GetFilterQuery(requester, userId, filterId), ct)));
        return app;
    }
}
