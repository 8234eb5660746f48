using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.ServerNotices;

namespace Matrix.Homeserver.Admin.Server;

/// <summary>
/// Synapse's POST /_synapse/admin/v1/send_server_notice and PUT .../send_server_notice/{txnId}: an admin sends a
/// notice (any event type, m.room.message unless <c>type</c> says otherwise) to a local user's server notices room.
/// A PUT repeated with the same transaction ID answers the first event again (kept for this process's life, bounded).
/// </summary>
public static class ServerNoticeApi
{
    private const int MaxRemembered = 10_000;
    private static readonly ConcurrentDictionary<(string Admin, string TxnId), string> Sent = new();

    public static IEndpointRouteBuilder MapServerNoticeApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/_synapse/admin/v1").RequireAdmin();
        v1.MapPost("/send_server_notice", (Requester admin, HttpRequest http, AdminTargets targets, ServerNoticeRooms notices, AdminAudit audit) =>
            SendAsync(admin, http, targets, notices, audit, txnId: null));
        v1.MapPut("/send_server_notice/{txnId}", (Requester admin, string txnId, HttpRequest http, AdminTargets targets, ServerNoticeRooms notices,
            AdminAudit audit) => SendAsync(admin, http, targets, notices, audit, txnId));
        return app;
    }

    private static async Task<IResult> SendAsync(Requester admin, HttpRequest http, AdminTargets targets, ServerNoticeRooms notices, AdminAudit audit,
        string? txnId)
    {
        var ct = http.HttpContext.RequestAborted;
        if (txnId is not null && Sent.TryGetValue((admin.UserId, txnId), out var earlier)) return Results.Json(new JsonObject { ["event_id"] = earlier });
        var body = await JsonBody.ReadObjectAsync(http);
        var userId = AdminParams.BodyString(body, "user_id") ?? throw MatrixException.MissingParam("Missing params: ['user_id']");
        var content = body["content"] as JsonObject ?? throw MatrixException.MissingParam("Missing params: ['content']");
        var type = AdminParams.BodyString(body, "type") ?? Federation.Events.EventTypes.Message;
        var target = await targets.LocalUserAsync(userId, ct, "Server notices can only be sent to local users");
        if (target.Deactivated) throw MatrixException.NotFound("User not found");

        var eventId = await notices.SendAsync(target.UserId, type, AdminParams.BodyString(body, "state_key"), content, ct);
        audit.Record(admin, "sent a server notice to", target.UserId);
        if (txnId is not null)
        {
            if (Sent.Count >= MaxRemembered) Sent.Clear();
            Sent[(admin.UserId, txnId)] = eventId;
        }

        return Results.Json(new JsonObject { ["event_id"] = eventId });
    }
}
