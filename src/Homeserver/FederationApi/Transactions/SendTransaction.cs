using System.Text.Json.Nodes;
using Mediator;

namespace Matrix.Homeserver.FederationApi.Transactions;

/// <summary>PUT /_matrix/federation/v1/send/{txnId} from an authenticated origin.</summary>
public sealed record SendTransactionCommand(string Origin, string TxnId, TransactionBody Body) : ICommand<JsonObject>;

public sealed class SendTransactionHandler(InboundTransactions transactions) : ICommandHandler<SendTransactionCommand, JsonObject>
{
    public async ValueTask<JsonObject> Handle(SendTransactionCommand command, CancellationToken cancellationToken) =>
        await transactions.ReceiveAsync(command.Origin, command.TxnId, command.Body, cancellationToken);
}
