using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Pipeline;

namespace Matrix.Homeserver.Rooms.Creation;

/// <summary>Everything that decides a new room's first events (from createRoom, or from an upgrade).</summary>
public sealed record RoomCreationSpec(string Creator, RoomVersion Version, RoomPreset Preset)
{
    /// <summary>Extra m.room.create content (type, m.federate, predecessor, additional_creators).</summary>
    public JsonObject CreationContent { get; init; } = [];

    /// <summary>The creator's join content (their profile).</summary>
    public JsonObject CreatorMemberContent { get; init; } = [];

    /// <summary>initial_state in request order; a repeated key keeps its first position and its last content.</summary>
    public IReadOnlyList<(StateKey Key, JsonObject Content)> InitialState { get; init; } = [];

    /// <summary>Top-level keys replacing those of the generated power levels (ignored when initial_state has power levels).</summary>
    public JsonObject? PowerLevelContentOverride { get; init; }

    public string? CanonicalAlias { get; init; }
    public string? Name { get; init; }
    public string? Topic { get; init; }
    public bool Encrypt { get; init; }

    /// <summary>Users to invite, each with the content of their invite (is_direct, their profile).</summary>
    public IReadOnlyList<(string UserId, JsonObject Content)> Invites { get; init; } = [];
}

/// <summary>
/// The events of a new room, in the spec's order and with Synapse's defaults: create, the creator's
/// join, power levels, canonical alias, the preset's join rules / history visibility / guest access
/// (unless initial_state sets them), initial_state, encryption, name, topic, invites.
/// </summary>
public static class RoomCreationPlan
{
    public const string Megolm = "m.megolm.v1.aes-sha2";

    public static List<EventDraft> Build(RoomCreationSpec spec)
    {
        var creator = spec.Creator;
        var initial = MergeInitialState(spec.InitialState);
        var drafts = new List<EventDraft>
        {
            EventDraft.State(EventTypes.Create, "", creator, CreateContent(spec)),
            EventDraft.Member(creator, creator, Memberships.Join, spec.CreatorMemberContent),
        };

        var powerLevelsKey = new StateKey(EventTypes.PowerLevels, "");
        var powerLevels = initial.Remove(powerLevelsKey, out var given) ? given : DefaultPowerLevels(spec);
        drafts.Add(EventDraft.State(EventTypes.PowerLevels, "", creator, powerLevels));

        void AddUnlessInitial(string type, Func<JsonObject> content)
        {
            if (!initial.ContainsKey(new StateKey(type, ""))) drafts.Add(EventDraft.State(type, "", creator, content()));
        }

        if (spec.CanonicalAlias is { } alias) AddUnlessInitial(EventTypes.CanonicalAlias, () => new JsonObject { ["alias"] = alias });
        AddUnlessInitial(EventTypes.JoinRules, () => new JsonObject { ["join_rule"] = spec.Preset.JoinRule });
        AddUnlessInitial(EventTypes.HistoryVisibility, () => new JsonObject { ["history_visibility"] = spec.Preset.HistoryVisibility });
        if (spec.Preset.GuestCanJoin) AddUnlessInitial(EventTypes.GuestAccess, () => new JsonObject { ["guest_access"] = "can_join" });

        drafts.AddRange(initial.Select(kv => EventDraft.State(kv.Key.Type, kv.Key.Key, creator, kv.Value)));
        if (spec.Encrypt) AddUnlessInitial(EventTypes.Encryption, () => new JsonObject { ["algorithm"] = Megolm });
        if (spec.Name is { } name) drafts.Add(EventDraft.State(EventTypes.Name, "", creator, new JsonObject { ["name"] = name }));
        if (spec.Topic is { } topic) drafts.Add(EventDraft.State(EventTypes.Topic, "", creator, TopicContent(topic)));
        drafts.AddRange(spec.Invites.Select(i => EventDraft.Member(i.UserId, creator, Memberships.Invite, i.Content)));
        return drafts;
    }

    /// <summary>m.room.topic with its v1.15 text/plain rendering.</summary>
    public static JsonObject TopicContent(string topic) => new()
    {
        ["topic"] = topic,
        ["m.topic"] = new JsonObject { ["m.text"] = new JsonArray(new JsonObject { ["body"] = topic }) },
    };

    private static JsonObject CreateContent(RoomCreationSpec spec)
    {
        var content = (JsonObject)spec.CreationContent.DeepClone();
        // The server decides these, whatever the client sent.
        content["room_version"] = spec.Version.Id;
        if (spec.Version.ImplicitRoomCreator) content.Remove("creator");
        else content["creator"] = spec.Creator;

        // v12: a trusted private chat's invitees become creators too, rather than power 100 users.
        if (spec.Version.PrivilegedCreators && spec.Preset.InviteesAreAdmins && spec.Invites.Count > 0)
        {
            var creators = JsonFields.Strings(content, "additional_creators").Concat(spec.Invites.Select(i => i.UserId)).Distinct();
            content["additional_creators"] = new JsonArray([.. creators.Select(c => JsonValue.Create(c))]);
        }

        return content;
    }

    /// <summary>Synapse's default power levels, then the preset's changes, then the client's override.</summary>
    private static JsonObject DefaultPowerLevels(RoomCreationSpec spec)
    {
        var privileged = spec.Version.PrivilegedCreators;
        var users = new JsonObject();
        if (!privileged)
        {
            users[spec.Creator] = 100;
            if (spec.Preset.InviteesAreAdmins)
            {
                foreach (var (userId, _) in spec.Invites) users[userId] = 100;
            }
        }

        var content = new JsonObject
        {
            ["users"] = users,
            ["users_default"] = 0,
            ["events"] = new JsonObject
            {
                [EventTypes.Name] = 50,
                [EventTypes.PowerLevels] = 100,
                [EventTypes.HistoryVisibility] = 100,
                [EventTypes.CanonicalAlias] = 50,
                [EventTypes.Avatar] = 50,
                // v12 creators outrank 100; the spec asks for a tombstone level above state_default's usual admins.
                [EventTypes.Tombstone] = privileged ? 150 : 100,
                [EventTypes.ServerAcl] = 100,
                [EventTypes.Encryption] = 100,
            },
            ["events_default"] = 0,
            ["state_default"] = 50,
            ["ban"] = 50,
            ["kick"] = 50,
            ["redact"] = 50,
            ["invite"] = 50,
            ["historical"] = 100,
        };
        spec.Preset.ApplyTo(content);
        if (spec.PowerLevelContentOverride is { } overrides)
        {
            foreach (var (key, value) in overrides) content[key] = value?.DeepClone();
        }

        return content;
    }

    private static OrderedDictionary<StateKey, JsonObject> MergeInitialState(IReadOnlyList<(StateKey Key, JsonObject Content)> initialState)
    {
        var merged = new OrderedDictionary<StateKey, JsonObject>();
        foreach (var (key, content) in initialState) merged[key] = (JsonObject)content.DeepClone();
        return merged;
    }
}
