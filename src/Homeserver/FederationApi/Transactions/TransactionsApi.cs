using FluentValidation;
using Matrix.Homeserver.FederationApi.Auth;
using Matrix.Homeserver.FederationApi.Hosting;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.FederationApi.Transactions;

/// <summary>PUT /_matrix/federation/v1/send/{txnId}: PDUs and EDUs pushed to us.</summary>
public static class TransactionsApi
{
    public static IEndpointRouteBuilder MapFederationTransactionsApi(this IEndpointRouteBuilder app)
    {
        app.MapFederationGroup("/_matrix/federation/v1").MapPut("/send/{txnId}", SendAsync);
        return app;
    }

    private static async Task<IResult> SendAsync(string txnId, FederationRequester requester, IValidator<TransactionBody> validator, IMediator mediator,
        CancellationToken cancellationToken)
    {
        var body = JsonBody.Bind(requester.Content ?? throw MatrixException.NotJson(), validator);
        return Results.Json(await mediator.Send(new SendTransactionCommand(requester.Origin, txnId, body), cancellationToken));
    }
}
