using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Events;

/// <summary>The body of POST /_matrix/federation/v1/get_missing_events/{roomId}.</summary>
public sealed record GetMissingEventsBody(int? Limit, long? MinDepth, List<string>? EarliestEvents, List<string>? LatestEvents)
{
    /// <summary>Synapse gives at most 20 events per request.</summary>
    public const int MaxLimit = 20;
    public const int MaxLatest = 20;
    public const int MaxEarliest = 1000;
}

public sealed class GetMissingEventsBodyValidator : AbstractValidator<GetMissingEventsBody>
{
    public GetMissingEventsBodyValidator()
    {
        // Both lists may be left out, as Synapse takes them (as empty lists).
        RuleFor(b => b.EarliestEvents!.Count).LessThanOrEqualTo(GetMissingEventsBody.MaxEarliest).When(b => b.EarliestEvents is not null)
            .WithMessage($"earliest_events holds at most {GetMissingEventsBody.MaxEarliest} events");
        RuleFor(b => b.LatestEvents!.Count).LessThanOrEqualTo(GetMissingEventsBody.MaxLatest).When(b => b.LatestEvents is not null)
            .WithMessage($"latest_events holds at most {GetMissingEventsBody.MaxLatest} events");
        RuleFor(b => b.Limit).GreaterThanOrEqualTo(0).WithMessage("limit must not be negative");
    }
}

/// <param name="Content">The request's body, bound once the asking server may read the room (a denied server learns nothing, not even what its body lacks).</param>
public sealed record GetMissingEventsQuery(string Origin, string RoomId, JsonObject? Content) : IQuery<JsonObject>;

/// <summary>
/// The events before <c>latest_events</c> that the asking server lacks: a breadth-first walk of prev_events that
/// stops at <c>earliest_events</c>, below <c>min_depth</c> and at the limit, answered oldest first (as Synapse).
/// </summary>
public sealed class GetMissingEventsHandler(
    HomeserverDbContext db, ServerRoomAccess access, ServerEventView view, EventStore events, IValidator<GetMissingEventsBody> validator)
    : IQueryHandler<GetMissingEventsQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetMissingEventsQuery query, CancellationToken cancellationToken)
    {
        await access.EnsureCanReadAsync(db, query.RoomId, query.Origin, cancellationToken);
        var body = JsonBody.Bind(query.Content ?? throw MatrixException.NotJson(), validator);
        var limit = Math.Min(body.Limit ?? 10, GetMissingEventsBody.MaxLimit);
        var minDepth = body.MinDepth ?? 0;
        var seen = new HashSet<string>(body.EarliestEvents ?? [], StringComparer.Ordinal);
        var front = (body.LatestEvents ?? []).Where(seen.Add).ToList();
        var found = new List<string>();
        while (front.Count > 0 && found.Count < limit)
        {
            var pdus = await events.GetManyAsync(db, front, cancellationToken);
            var prevs = front.Where(pdus.ContainsKey).SelectMany(id => pdus[id].PrevEvents).Where(seen.Add).ToList();
            var rows = await db.Events.AsNoTracking()
                .Where(e => prevs.Contains(e.EventId) && e.RoomId == query.RoomId && !e.Outlier && e.RejectedReason == null && e.Depth >= minDepth)
                .Select(e => e.EventId).ToListAsync(cancellationToken);
            var present = rows.ToHashSet(StringComparer.Ordinal);
            front = [.. prevs.Where(present.Contains).Take(limit - found.Count)];
            found.AddRange(front);
        }

        found.Reverse();
        return new JsonObject { ["events"] = new JsonArray([.. await view.ForServerAsync(db, query.Origin, found, cancellationToken)]) };
    }
}
