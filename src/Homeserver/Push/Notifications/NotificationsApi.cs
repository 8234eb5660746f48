using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Push.Notifications;

/// <summary>GET /notifications (spec: "Listing Notifications"): the events the user was notified of, newest first.</summary>
public static class NotificationsApi
{
    /// <param name="app">The client API's /_matrix/client/v3 group.</param>
    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/notifications", async (Requester requester, string? from, string? limit, string? only, IMediator mediator, CancellationToken ct) =>
            Results.Json(await mediator.Send(new GetNotificationsQuery(requester, from, limit, only), ct)));
        return app;
    }
}

/// <summary>A page of notifications: <see cref="From"/> is a previous next_token, <see cref="Only"/> "highlight" keeps highlights.</summary>
public sealed record GetNotificationsQuery(Requester Requester, string? From, string? Limit, string? Only) : IQuery<JsonObject>;

public sealed class GetNotificationsHandler(
    HomeserverDbContext db,
    EventVisibility visibility,
    ClientEventLoader loader,
    IReadReceiptPositions receipts) : IQueryHandler<GetNotificationsQuery, JsonObject>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;

    public async ValueTask<JsonObject> Handle(GetNotificationsQuery query, CancellationToken cancellationToken)
    {
        var userId = query.Requester.UserId;
        var before = query.From is null ? long.MaxValue : ParseNonNegative(query.From, "from");
        var limit = query.Limit is null ? DefaultLimit : (int)Math.Min(MaxLimit, ParseNonNegative(query.Limit, "limit"));
        if (limit == 0) throw MatrixException.InvalidParam("limit must be positive");

        var notifications = db.Set<EventPushAction>().AsNoTracking().Where(a => a.UserId == userId && a.StreamOrdering < before);
        if (query.Only == "highlight") notifications = notifications.Where(a => a.Highlight);
        var page = await notifications.OrderByDescending(a => a.StreamOrdering).Take(limit + 1).ToListAsync(cancellationToken);
        var more = page.Count > limit;
        if (more) page.RemoveAt(limit);

        // The user was notified, but history visibility still decides what is served (and redactions apply).
        var visible = new HashSet<string>(StringComparer.Ordinal);
        foreach (var room in page.GroupBy(a => a.RoomId))
        {
            visible.UnionWith(await visibility.FilterAsync(db, room.Key, userId, [.. room.Select(a => a.EventId)], cancellationToken));
        }

        var shown = page.Where(a => visible.Contains(a.EventId)).ToList();
        var events = (await loader.LoadAsync(db, [.. shown.Select(a => a.EventId)], query.Requester, cancellationToken))
            .ToDictionary(e => e["event_id"]!.GetValue<string>(), StringComparer.Ordinal);
        var read = await receipts.GetAsync(db, userId, [.. shown.Select(a => a.RoomId).Distinct()], cancellationToken);

        var list = new JsonArray();
        foreach (var action in shown)
        {
            if (!events.TryGetValue(action.EventId, out var formatted)) continue;
            list.Add(new JsonObject
            {
                ["actions"] = JsonNode.Parse(action.Actions),
                ["event"] = formatted,
                ["read"] = action.StreamOrdering <= (read.GetValueOrDefault(action.RoomId) ?? ReadPosition.None).For(action.ThreadId),
                ["room_id"] = action.RoomId,
                ["ts"] = action.Ts,
            });
        }

        var response = new JsonObject { ["notifications"] = list };
        if (more) response["next_token"] = page[^1].StreamOrdering.ToString(CultureInfo.InvariantCulture);
        return response;
    }

    private static long ParseNonNegative(string value, string name) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw MatrixException.InvalidParam($"{name} must be a non-negative integer");
}
