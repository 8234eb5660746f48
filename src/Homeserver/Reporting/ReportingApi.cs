using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Storage.Configurations;
using Mediator;

namespace Matrix.Homeserver.Reporting;

/// <summary>
/// Reporting content to the server's admins: POST /rooms/{roomId}/report/{eventId},
/// /rooms/{roomId}/report and /users/{userId}/report, and Synapse's admin listing of the reports.
/// </summary>
public static class ReportingApi
{
    public sealed record ReportBody(string? Reason);

    internal sealed class ReportBodyValidator : AbstractValidator<ReportBody>
    {
        public ReportBodyValidator() =>
            RuleFor(b => b.Reason).MaximumLength(ReportLimits.MaxReasonLength)
                .WithErrorCode(ErrorCodes.InvalidParam).WithMessage($"reason is longer than {ReportLimits.MaxReasonLength} characters");
    }

    public static IEndpointRouteBuilder MapReportingApi(this IEndpointRouteBuilder app)
    {
        var client = app.MapGroup("/_matrix/client/v3");
        client.MapPost("/rooms/{roomId}/report/{eventId}", async (Requester r, string roomId, string eventId, HttpRequest request, IValidator<ReportBody> v, IMediator m) =>
        {
            var body = await JsonBody.ReadAsync(request, v, emptyIsObject: true);
            await m.Send(new ReportContent(r, RequestIds.RoomId(roomId), eventId, null, body.Reason), request.HttpContext.RequestAborted);
            return Results.Json(new JsonObject());
        }).RateLimited(RateLimitPolicy.Send);
        client.MapPost("/rooms/{roomId}/report", async (Requester r, string roomId, HttpRequest request, IValidator<ReportBody> v, IMediator m) =>
        {
            var body = await ReadWithReasonAsync(request, v);
            await m.Send(new ReportContent(r, RequestIds.RoomId(roomId), null, null, body.Reason), request.HttpContext.RequestAborted);
            return Results.Json(new JsonObject());
        }).RateLimited(RateLimitPolicy.Send);
        client.MapPost("/users/{userId}/report", async (Requester r, string userId, HttpRequest request, IValidator<ReportBody> v, IMediator m) =>
        {
            var body = await ReadWithReasonAsync(request, v);
            await m.Send(new ReportContent(r, null, null, RequestIds.UserId(userId), body.Reason), request.HttpContext.RequestAborted);
            return Results.Json(new JsonObject());
        }).RateLimited(RateLimitPolicy.Send);

        app.MapGet("/_synapse/admin/v1/event_reports", async (Requester _, string? from, string? limit, IMediator m, CancellationToken ct) =>
            Results.Json(await m.Send(new ListReports(QueryParams.Int(from, "from") ?? 0, QueryParams.Int(limit, "limit") ?? 100), ct)))
            .RequireAdmin();
        return app;
    }

    /// <summary>Room and user reports require the reason field (it may be blank).</summary>
    private static async Task<ReportBody> ReadWithReasonAsync(HttpRequest request, IValidator<ReportBody> validator)
    {
        var json = await JsonBody.ReadObjectAsync(request);
        if (json["reason"] is null) throw MatrixException.MissingParam("Missing reason");
        return JsonBody.Bind(json, validator);
    }
}
