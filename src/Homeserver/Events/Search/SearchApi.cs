using FluentValidation;
using Matrix.Homeserver.Http;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Homeserver.Events.Search;

/// <summary>POST /_matrix/client/v3/search.</summary>
public static class SearchApi
{
    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/_matrix/client/v3/search", SearchAsync);
        return app;
    }

    private static async Task<IResult> SearchAsync([FromQuery(Name = "next_batch")] string? nextBatch, Requester requester, HttpRequest http, IValidator<SearchBody> validator, IMediator mediator,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(http, validator);
        return Results.Json(await mediator.Send(new SearchQuery(requester, body, nextBatch), cancellationToken));
    }
}
