using System.Text;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.ToDevice;

/// <summary>PUT /sendToDevice/{eventType}/{txnId}.</summary>
public sealed record SendToDeviceCommand(Requester Requester, string EventType, string TxnId, JsonObject Messages) : ICommand<Unit>;

public sealed class SendToDeviceHandler(ToDeviceService service) : ICommandHandler<SendToDeviceCommand, Unit>
{
    public async ValueTask<Unit> Handle(SendToDeviceCommand command, CancellationToken cancellationToken)
    {
        var txn = new ToDeviceTxn(command.Requester.UserId, command.Requester.DeviceId, command.TxnId);
        await service.SendAsync(txn, command.EventType, command.Messages, cancellationToken);
        return Unit.Value;
    }
}

public static class ToDeviceApi
{
    private const int MaxIdentifierBytes = 255;

    public static IEndpointRouteBuilder MapToDeviceApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/_matrix/client/v3/sendToDevice/{eventType}/{txnId}", SendAsync);
        return app;
    }

    private static async Task<IResult> SendAsync(Requester requester, string eventType, string txnId, HttpRequest http, IMediator mediator, CancellationToken cancellationToken)
    {
        CheckIdentifier(eventType, "event type");
        CheckIdentifier(txnId, "transaction ID");
        var body = await JsonBody.ReadObjectAsync(http);
        var messages = JsonFields.Object(body, "messages") ?? throw MatrixException.MissingParam("messages is required");
        await mediator.Send(new SendToDeviceCommand(requester, eventType, txnId, messages), cancellationToken);
        return Results.Json(new JsonObject());
    }

    private static void CheckIdentifier(string value, string name)
    {
        if (value.Length == 0 || Encoding.UTF8.GetByteCount(value) > MaxIdentifierBytes) throw MatrixException.InvalidParam($"The {name} must be 1 to {MaxIdentifierBytes} bytes");
    }
}
