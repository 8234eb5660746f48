using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Sync.Receipts;

/// <summary>
/// POST /_matrix/client/v3/rooms/{roomId}/receipt/{receiptType}/{eventId} (spec: "Receipts") and
/// POST /_matrix/client/v3/rooms/{roomId}/read_markers (spec: "Fully read markers").
/// </summary>
public static class ReceiptsApi
{
    public static IEndpointRouteBuilder MapReceiptsApi(this IEndpointRouteBuilder app)
    {
        var room = app.MapGroup("/_matrix/client/v3/rooms/{roomId}");
        room.MapPost("/receipt/{receiptType}/{eventId}", SendReceiptAsync);
        room.MapPost("/read_markers", SetReadMarkersAsync);
        return app;
    }

    private static async Task<IResult> SendReceiptAsync(HttpRequest request, Requester requester, string roomId, string receiptType, string eventId, IMediator mediator)
    {
        var body = await JsonBody.ReadObjectAsync(request, emptyIsObject: true);
        string? threadId = null;
        if (body.TryGetPropertyValue("thread_id", out var thread))
        {
            threadId = thread is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0 ? s
                : throw MatrixException.InvalidParam("thread_id must be a non-empty string");
        }

        await mediator.Send(new SendReceipt(requester, roomId, receiptType, eventId, threadId), request.HttpContext.RequestAborted);
        return Results.Json(new JsonObject());
    }

    private static async Task<IResult> SetReadMarkersAsync(HttpRequest request, Requester requester, string roomId, IMediator mediator)
    {
        var body = await JsonBody.ReadObjectAsync(request);
        string? Marker(string key) => body.TryGetPropertyValue(key, out var node) && node is not null
            ? node is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0 ? s : throw MatrixException.InvalidParam($"{key} must be an event ID")
            : null;
        await mediator.Send(new SetReadMarkers(requester, roomId, Marker(ReceiptTypes.FullyRead), Marker(ReceiptTypes.Read), Marker(ReceiptTypes.ReadPrivate)),
            request.HttpContext.RequestAborted);
        return Results.Json(new JsonObject());
    }
}
