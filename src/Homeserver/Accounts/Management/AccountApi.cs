using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Accounts.Management;

/// <summary>Account management: password change and deactivation, both behind a password prompt.</summary>
public static class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/_matrix/client/v3/account").DenyGuests();
        account.MapPost("/password", ChangePasswordAsync);
        account.MapPost("/deactivate", DeactivateAsync);
        return app;
    }

    private static async Task<IResult> ChangePasswordAsync(Requester requester, HttpRequest http, IValidator<ChangePasswordBody> validator, IMediator mediator,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(http, validator);
        await mediator.Send(new ChangePasswordCommand(requester, body, UiaRequest.From(http, body.Auth, requester)), cancellationToken);
        return Results.Json(new JsonObject());
    }

    private static async Task<IResult> DeactivateAsync(Requester requester, HttpRequest http, IMediator mediator, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<DeactivateBody>(http, emptyIsObject: true);
        var unbound = await mediator.Send(new DeactivateCommand(requester, body.Erase ?? false, body.IdServer, UiaRequest.From(http, body.Auth, requester)),
            cancellationToken);
        return Results.Json(new JsonObject { ["id_server_unbind_result"] = unbound });
    }
}
