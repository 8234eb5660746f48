using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Aliases;
using Matrix.Homeserver.Rooms.Creation;
using Matrix.Homeserver.Rooms.Membership;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Upgrades;

/// <summary>POST /rooms/{roomId}/upgrade: returns the replacement room's ID.</summary>
public sealed record UpgradeRoom(Requester Requester, string RoomId, RoomVersion NewVersion, IReadOnlyList<string>? AdditionalCreators) : ICommand<string>;

/// <summary>
/// Replaces a room with a new one of another version (spec "Room upgrades", as Synapse does it): the
/// new room starts with the old one's transferable state and the upgrader raised just enough to set
/// it, then gets the bans; the old room gets a tombstone, loses its local aliases and directory entry
/// to the new one, and its power levels stop ordinary users from talking or inviting. Steps after the
/// tombstone are best effort: the new room exists, so the client gets it even if one of them fails.
/// </summary>
public sealed class RoomUpgrader(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    RoomEventWriter writer,
    RoomStateReader reader,
    RoomPermissions permissions,
    StateEventSender stateSender,
    RoomAliases aliases,
    HomeserverOptions options,
    ILogger<RoomUpgrader> logger) : ICommandHandler<UpgradeRoom, string>
{
    private const string SpaceChild = "m.space.child";
    private const string SpaceParent = "m.space.parent";

    /// <summary>The state Synapse carries over (space children only from spaces; parents from any room).</summary>
    private static readonly string[] TransferredTypes =
    [
        EventTypes.JoinRules, EventTypes.Name, EventTypes.Topic, EventTypes.HistoryVisibility, EventTypes.GuestAccess,
        EventTypes.Avatar, EventTypes.Encryption, EventTypes.ServerAcl, EventTypes.PowerLevels,
    ];

    public async ValueTask<string> Handle(UpgradeRoom command, CancellationToken cancellationToken)
    {
        var userId = command.Requester.UserId;
        var oldRoomId = command.RoomId;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var oldRoom = await db.Rooms.AsNoTracking().FirstOrDefaultAsync(r => r.RoomId == oldRoomId, cancellationToken)
            ?? throw MatrixException.NotFound($"Unknown room id {oldRoomId}");
        if (!await permissions.CanSendStateAsync(db, oldRoomId, userId, EventTypes.Tombstone, cancellationToken))
        {
            throw MatrixException.Forbidden("You cannot upgrade this room: you may not send its m.room.tombstone");
        }

        var state = (await reader.GetCurrentStateAsync(db, oldRoomId, cancellationToken)).ToDictionary(p => p.StateTuple);
        var levels = await permissions.CurrentLevelsAsync(db, oldRoomId, cancellationToken);
        var version = command.NewVersion;
        var additionalCreators = version.PrivilegedCreators ? command.AdditionalCreators ?? [] : [];
        var powerLevels = state.GetValueOrDefault(new StateKey(EventTypes.PowerLevels, ""));
        var original = powerLevels is null ? null : WithoutCreators(PowerLevelsCopy.Normalize(powerLevels.Content), version, [userId, .. additionalCreators]);

        var initialState = TransferredState(state).ToList();
        var (raised, temporarily) = original is null ? (null, false) : RaiseUpgrader(original, userId, levels, version);
        if (raised is not null) initialState.Add((new StateKey(EventTypes.PowerLevels, ""), raised));

        // Before v12 the new room's ID is ours to pick, so the tombstone can be built first and the new room name it as
        // its predecessor's event, as Synapse does; from v12 the ID is the create event's hash and predecessor has none.
        var chosenRoomId = version.RoomIdIsCreateEventHash ? null : writer.NewRoomId();
        var tombstone = chosenRoomId is null ? null
            : await writer.BuildAsync(oldRoomId, EventDraft.State(EventTypes.Tombstone, "", userId, TombstoneContent(chosenRoomId)), cancellationToken);

        var creatorContent = new JsonObject();
        await MemberProfiles.AddMissingAsync(db, userId, creatorContent, cancellationToken);
        var creationContent = new JsonObject { ["predecessor"] = new JsonObject { ["room_id"] = oldRoomId } };
        if (tombstone is not null) creationContent["predecessor"]!["event_id"] = tombstone.EventId;
        var spec = new RoomCreationSpec(userId, version, RoomPresets.PrivateChat)
        {
            CreationContent = CreationContent(creationContent, state, additionalCreators),
            CreatorMemberContent = creatorContent,
            InitialState = initialState,
        };
        var (newRoomId, _) = await writer.CreateRoomAsync(version, RoomCreationPlan.Build(spec), oldRoom.IsPublic, cancellationToken, chosenRoomId);
        logger.LogInformation("Room {OldRoomId} upgraded to {NewRoomId} (version {Version})", oldRoomId, newRoomId, version.Id);

        await TryAsync("copy bans", () => CopyBansAsync(state, newRoomId, userId, cancellationToken));
        if (tombstone is null || (await writer.PersistRemoteAsync(new IncomingEvent(tombstone) { BuiltHere = true }, cancellationToken)).Outcome != IncomingOutcome.Accepted)
        {
            // v12, or the old room changed under the built tombstone so much that it no longer passes: a new one.
            await stateSender.SendAsync(oldRoomId, userId, EventTypes.Tombstone, "", TombstoneContent(newRoomId), cancellationToken);
        }
        await TryAsync("move aliases", () => MoveAliasesAsync(db, state, oldRoomId, newRoomId, userId, cancellationToken));
        if (oldRoom.IsPublic)
        {
            await db.Rooms.Where(r => r.RoomId == oldRoomId).ExecuteUpdateAsync(s => s.SetProperty(r => r.IsPublic, false), cancellationToken);
        }

        await TryAsync("restrict the old room", () => RestrictOldRoomAsync(powerLevels, oldRoomId, userId, cancellationToken));
        // The upgrader was raised only to copy the state; afterwards they hold their old level again.
        if (temporarily && original is not null)
        {
            await TryAsync("restore power levels", () => stateSender.SendAsync(newRoomId, userId, EventTypes.PowerLevels, "", original, cancellationToken));
        }

        return newRoomId;
    }

    private static IEnumerable<(StateKey Key, JsonObject Content)> TransferredState(Dictionary<StateKey, Pdu> state)
    {
        var isSpace = JsonFields.String(state.GetValueOrDefault(new StateKey(EventTypes.Create, "")), "type") == "m.space";
        foreach (var (key, pdu) in state.OrderBy(kv => kv.Key.Type, StringComparer.Ordinal).ThenBy(kv => kv.Key.Key, StringComparer.Ordinal))
        {
            if (key.Type == EventTypes.PowerLevels) continue;
            var transferred = (TransferredTypes.Contains(key.Type) && key.Key == "")
                || (key.Type == SpaceChild && isSpace && pdu.Content.Count > 0)
                || (key.Type == SpaceParent && pdu.Content.Count > 0);
            if (transferred) yield return (key, (JsonObject)pdu.Content.DeepClone());
        }
    }

    /// <summary>
    /// The old power levels with the upgrader at the level needed to set every copied event (state_default,
    /// ban, every event level); says whether that is above their own level, to be undone afterwards.
    /// A v12 creator of the old room keeps at least 100 for good in a room without creator power.
    /// </summary>
    private static (JsonObject Content, bool Temporarily) RaiseUpgrader(JsonObject powerLevels, string userId, PowerLevels oldLevels, RoomVersion version)
    {
        var content = (JsonObject)powerLevels.DeepClone();
        if (version.PrivilegedCreators) return (content, false);
        var events = content["events"] as JsonObject ?? [];
        var needed = new[] { PowerLevelsCopy.Level(content, "state_default", 50), PowerLevelsCopy.Level(content, "ban", 50) }
            .Concat(events.Select(e => PowerLevelsCopy.Read(e.Value) ?? 0)).Max();
        var current = oldLevels.UserLevel(userId);
        var target = current == PowerLevels.CreatorLevel ? Math.Max(needed, 100) : Math.Max(current, needed);
        var users = content["users"] as JsonObject ?? [];
        users[userId] = target;
        content["users"] = users;
        return (content, current < needed);
    }

    /// <summary>In a version with creator power the creators may not be listed in users.</summary>
    private static JsonObject WithoutCreators(JsonObject powerLevels, RoomVersion version, IEnumerable<string> creators)
    {
        if (version.PrivilegedCreators && powerLevels["users"] is JsonObject users)
        {
            foreach (var creator in creators) users.Remove(creator);
        }

        return powerLevels;
    }

    private static JsonObject TombstoneContent(string newRoomId) => new() { ["body"] = "This room has been replaced", ["replacement_room"] = newRoomId };

    /// <summary>The new room's creation content: its predecessor, and what the old create event says of the room's kind.</summary>
    private static JsonObject CreationContent(JsonObject content, Dictionary<StateKey, Pdu> state, IReadOnlyList<string> additionalCreators)
    {
        var oldCreate = state.GetValueOrDefault(new StateKey(EventTypes.Create, ""));
        if (JsonFields.String(oldCreate, "type") is { } type) content["type"] = type;
        if (oldCreate?.Content["m.federate"] is JsonValue federate && federate.TryGetValue(out bool federates) && !federates) content["m.federate"] = false;
        if (additionalCreators.Count > 0) content["additional_creators"] = new JsonArray([.. additionalCreators.Select(c => JsonValue.Create(c))]);
        return content;
    }

    private async Task CopyBansAsync(Dictionary<StateKey, Pdu> state, string newRoomId, string userId, CancellationToken cancellationToken)
    {
        var bans = state.Values.Where(p => p.Membership == Memberships.Ban)
            .Select(p => EventDraft.Member(p.StateKey!, userId, Memberships.Ban, p.Content)).ToList();
        if (bans.Count > 0) await writer.SendAsync(newRoomId, bans, cancellationToken);
    }

    /// <summary>Local aliases point at the new room; the canonical alias event moves what is local with them.</summary>
    private async Task MoveAliasesAsync(HomeserverDbContext db, Dictionary<StateKey, Pdu> state, string oldRoomId, string newRoomId, string userId,
        CancellationToken cancellationToken)
    {
        await aliases.MoveAsync(db, oldRoomId, newRoomId, cancellationToken);
        if (state.GetValueOrDefault(new StateKey(EventTypes.CanonicalAlias, "")) is not { } canonical) return;
        bool IsLocal(string alias) => alias.EndsWith(":" + options.ServerName, StringComparison.Ordinal);
        var local = JsonFields.Strings(canonical.Content, "alt_aliases").Append(JsonFields.String(canonical, "alias")).OfType<string>().Where(IsLocal).ToList();
        if (CanonicalAliasContent.Without(canonical.Content, local) is { } remaining)
        {
            await stateSender.SendAsync(oldRoomId, userId, EventTypes.CanonicalAlias, "", remaining, cancellationToken);
        }

        await stateSender.SendAsync(newRoomId, userId, EventTypes.CanonicalAlias, "", CanonicalAliasContent.Only(canonical.Content, IsLocal), cancellationToken);
    }

    /// <summary>Ordinary users may no longer talk or invite in the old room: both levels go to max(50, users_default + 1).</summary>
    private async Task RestrictOldRoomAsync(Pdu? powerLevels, string oldRoomId, string userId, CancellationToken cancellationToken)
    {
        if (powerLevels is null) return;
        var content = PowerLevelsCopy.Normalize(powerLevels.Content);
        var restricted = Math.Max(PowerLevelsCopy.Level(content, "users_default", 0) + 1, 50);
        var changed = false;
        foreach (var key in new[] { "invite", "events_default" })
        {
            if (PowerLevelsCopy.Level(content, key, 0) >= restricted) continue;
            content[key] = restricted;
            changed = true;
        }

        if (changed) await stateSender.SendAsync(oldRoomId, userId, EventTypes.PowerLevels, "", content, cancellationToken);
    }

    private async Task TryAsync(string step, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (MatrixException e)
        {
            logger.LogWarning("Room upgrade: could not {Step}: {Error}", step, e.Message);
        }
    }
}
