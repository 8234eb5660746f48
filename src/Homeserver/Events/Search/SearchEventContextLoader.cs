using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Filtering;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Events.Reading;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Events.Search;

/// <summary>
/// The event_context of a search result: the events just before and after it (through the search's
/// filter and history visibility, as /context), tokens to page on with /messages, and, when asked,
/// the senders' profiles as they were at the result (their member events in the state at it).
/// </summary>
public sealed class SearchEventContextLoader(RoomTimeline timeline, StateAtEvent stateAt, EventStore events, ClientEventLoader loader)
{
    public const int DefaultLimit = 5;

    public async Task<JsonObject> LoadAsync(HomeserverDbContext db, RoomReader reader, Pdu result, long streamOrdering, SearchEventContext options,
        RoomEventFilter filter, Requester requester, CancellationToken cancellationToken)
    {
        var (before, after) = await timeline.AroundAsync(db, reader, streamOrdering, options.BeforeLimit ?? DefaultLimit, options.AfterLimit ?? DefaultLimit,
            filter, cancellationToken);
        var context = new JsonObject
        {
            ["start"] = before.NextToken.ToString(),
            ["end"] = after.NextToken.ToString(),
            ["events_before"] = new JsonArray([.. await loader.LoadAsync(db, [.. before.Events.Select(e => e.EventId)], requester, cancellationToken)]),
            ["events_after"] = new JsonArray([.. await loader.LoadAsync(db, [.. after.Events.Select(e => e.EventId)], requester, cancellationToken)]),
        };
        if (options.IncludeProfile == true)
        {
            var senders = before.Events.Append(result).Concat(after.Events).Select(e => e.Sender).Distinct().ToList();
            context["profile_info"] = await ProfilesAsync(db, result.EventId, senders, cancellationToken);
        }

        return context;
    }

    private async Task<JsonObject> ProfilesAsync(HomeserverDbContext db, string eventId, List<string> senders, CancellationToken cancellationToken)
    {
        var state = await stateAt.GetAsync(db, eventId, cancellationToken);
        var memberIds = senders.Select(s => state.GetValueOrDefault(new StateKey(EventTypes.Member, s))).OfType<string>();
        var profiles = new JsonObject();
        foreach (var member in (await events.GetManyAsync(db, memberIds, cancellationToken)).Values)
        {
            var profile = new JsonObject();
            if (member.Content["displayname"] is JsonValue name && name.TryGetValue(out string? displayName)) profile["displayname"] = displayName;
            if (member.Content["avatar_url"] is JsonValue avatar && avatar.TryGetValue(out string? avatarUrl)) profile["avatar_url"] = avatarUrl;
            profiles[member.StateKey!] = profile;
        }

        return profiles;
    }
}
