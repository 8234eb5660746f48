using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.UserDirectory;

/// <summary>POST /_matrix/client/v3/user_directory/search.</summary>
public static class UserDirectoryApi
{
    public sealed record SearchBody(string? SearchTerm, int? Limit);

    internal sealed class SearchBodyValidator : AbstractValidator<SearchBody>
    {
        public SearchBodyValidator()
        {
            RuleFor(b => b.SearchTerm).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing search_term");
            RuleFor(b => b.Limit).InclusiveBetween(0, SearchUsersHandler.MaxLimit)
                .WithErrorCode(ErrorCodes.InvalidParam).WithMessage($"limit must be between 0 and {SearchUsersHandler.MaxLimit}");
        }
    }

    public static IEndpointRouteBuilder MapUserDirectoryApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/_matrix/client/v3/user_directory/search", async (Requester r, HttpRequest request, IValidator<SearchBody> v, IMediator m) =>
        {
            var body = await JsonBody.ReadAsync(request, v);
            var found = await m.Send(new SearchUsers(r.UserId, body.SearchTerm!, body.Limit ?? SearchUsersHandler.DefaultLimit), request.HttpContext.RequestAborted);
            return Results.Json(found);
        });
        return app;
    }
}
