using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.Reading;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Reporting;

/// <summary>A report of an event (room and event set), a room (room only) or a user (user only).</summary>
public sealed record ReportContent(Requester Reporter, string? RoomId, string? EventId, string? TargetUserId, string? Reason) : ICommand;

/// <summary>Admins' view of the reports, newest first.</summary>
public sealed record ListReports(int From, int Limit) : IQuery<JsonObject>;

/// <summary>
/// Stores reports for the admins. As Synapse does, an event must exist and be visible to the reporter
/// (otherwise 404, the same answer for both so nothing leaks); a room must be known to this server; a
/// user must be known here (a local account or a member of a room we share).
/// </summary>
public sealed class ReportHandlers(HomeserverDbContext db, RoomAccess access, TimeProvider clock)
    : ICommandHandler<ReportContent>, IQueryHandler<ListReports, JsonObject>
{
    public async ValueTask<Unit> Handle(ReportContent command, CancellationToken cancellationToken)
    {
        if (command.EventId is { } eventId)
        {
            await access.EnsureEventVisibleAsync(db, command.RoomId!, command.Reporter.UserId, eventId, cancellationToken);
        }
        else if (command.RoomId is { } roomId)
        {
            if (!await db.Rooms.AnyAsync(r => r.RoomId == roomId, cancellationToken)) throw MatrixException.NotFound("Room not found.");
        }
        else if (!await db.Users.AnyAsync(u => u.UserId == command.TargetUserId, cancellationToken)
            && !await db.RoomMemberships.AnyAsync(m => m.UserId == command.TargetUserId, cancellationToken))
        {
            throw MatrixException.NotFound("User not found.");
        }

        db.Set<ContentReport>().Add(new ContentReport
        {
            Reporter = command.Reporter.UserId,
            RoomId = command.RoomId,
            EventId = command.EventId,
            TargetUserId = command.TargetUserId,
            Reason = command.Reason,
            ReceivedTs = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        });
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<JsonObject> Handle(ListReports query, CancellationToken cancellationToken)
    {
        if (query.From < 0 || query.Limit < 1) throw MatrixException.InvalidParam("from must be at least 0 and limit at least 1");
        var reports = db.Set<ContentReport>().AsNoTracking();
        var total = await reports.CountAsync(cancellationToken);
        var page = await reports.OrderByDescending(r => r.ReceivedTs).ThenByDescending(r => r.Id)
            .Skip(query.From).Take(Math.Min(query.Limit, 1000)).ToListAsync(cancellationToken);

        var result = new JsonObject
        {
            ["event_reports"] = new JsonArray([.. page.Select(ToJson)]),
            ["total"] = total,
        };
        if (query.From + page.Count < total) result["next_token"] = query.From + page.Count;
        return result;
    }

    private static JsonNode ToJson(ContentReport report)
    {
        var json = new JsonObject
        {
            ["id"] = report.Id,
            ["received_ts"] = report.ReceivedTs,
            ["user_id"] = report.Reporter,
            ["reason"] = report.Reason,
        };
        if (report.RoomId is not null) json["room_id"] = report.RoomId;
        if (report.EventId is not null) json["event_id"] = report.EventId;
        if (report.TargetUserId is not null) json["target_user_id"] = report.TargetUserId;
        return json;
    }
}
