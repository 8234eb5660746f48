using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Push.Rules;

/// <summary>
/// The spec's server-default rules (spec: "Predefined Rules"), in order. They are built once and shared
/// by every user: where the spec says "[the user's Matrix ID]" the compiled conditions read the
/// recipient's ID (or localpart) at evaluation time, and the JSON shown to a user has it filled in. The
/// legacy body-mention rules (.m.rule.contains_display_name, .m.rule.roomnotif,
/// .m.rule.contains_user_name) are kept, as Synapse keeps them, and stay silent for events with m.mentions.
/// </summary>
public static class PredefinedPushRules
{
    public const string Master = ".m.rule.master";
    public const string ContainsDisplayName = ".m.rule.contains_display_name";
    public const string RoomNotif = ".m.rule.roomnotif";
    public const string ContainsUserName = ".m.rule.contains_user_name";

    /// <summary>Stands for the recipient's user ID in a default rule's pattern or value.</summary>
    public const string UserIdPlaceholder = "[the user's Matrix ID]";

    /// <summary>Stands for the recipient's localpart in a default rule's pattern.</summary>
    public const string LocalpartPlaceholder = "[the local part of the user's Matrix ID]";

    /// <summary>Every server-default rule: override rules, then content, then underride, each in the spec's order.</summary>
    public static IReadOnlyList<PushRule> All { get; } = Indexed(
    [
        Override(Master, [], [], enabled: false),
        Override(".m.rule.suppress_notices", [EventMatch("content.msgtype", "m.notice")], []),
        Override(".m.rule.invite_for_me",
            [EventMatch("type", "m.room.member"), EventMatch("content.membership", "invite"), EventMatch("state_key", UserIdPlaceholder)],
            [PushActions.Notify, Sound("default")]),
        Override(".m.rule.member_event", [EventMatch("type", "m.room.member")], []),
        Override(".m.rule.is_user_mention", [PropertyContains(@"content.m\.mentions.user_ids", UserIdPlaceholder)],
            [PushActions.Notify, Sound("default"), Highlight()]),
        Override(ContainsDisplayName, [new JsonObject { ["kind"] = "contains_display_name" }],
            [PushActions.Notify, Sound("default"), Highlight()]),
        Override(".m.rule.is_room_mention", [PropertyIs(@"content.m\.mentions.room", true), SenderPermission("room")],
            [PushActions.Notify, Highlight()]),
        Override(RoomNotif, [EventMatch("content.body", "@room"), SenderPermission("room")], [PushActions.Notify, Highlight()]),
        Override(".m.rule.tombstone", [EventMatch("type", "m.room.tombstone"), EventMatch("state_key", "")], [PushActions.Notify, Highlight()]),
        Override(".m.rule.reaction", [EventMatch("type", "m.reaction")], []),
        Override(".m.rule.room.server_acl", [EventMatch("type", "m.room.server_acl"), EventMatch("state_key", "")], []),
        Override(".m.rule.suppress_edits", [PropertyIs(@"content.m\.relates_to.rel_type", "m.replace")], []),

        new PushRule(PushRuleKind.Content, ContainsUserName, isDefault: true, enabled: true, null, LocalpartPlaceholder,
            [PushActions.Notify, Sound("default"), Highlight()]),

        Underride(".m.rule.call", [EventMatch("type", "m.call.invite")], [PushActions.Notify, Sound("ring")]),
        Underride(".m.rule.encrypted_room_one_to_one", [MemberCount("2"), EventMatch("type", "m.room.encrypted")], [PushActions.Notify, Sound("default")]),
        Underride(".m.rule.room_one_to_one", [MemberCount("2"), EventMatch("type", "m.room.message")], [PushActions.Notify, Sound("default")]),
        Underride(".m.rule.message", [EventMatch("type", "m.room.message")], [PushActions.Notify]),
        Underride(".m.rule.encrypted", [EventMatch("type", "m.room.encrypted")], [PushActions.Notify]),
    ]);

    private static PushRule[] Indexed(PushRule[] rules)
    {
        for (var i = 0; i < rules.Length; i++) rules[i].SharedIndex = i;
        return rules;
    }

    /// <summary>The legacy rules that look for mentions in the body.</summary>
    public static bool IsLegacyMentionRule(string ruleId) => ruleId is ContainsDisplayName or RoomNotif or ContainsUserName;

    public static bool Exists(PushRuleKind kind, string ruleId) => All.Any(r => r.Kind == kind && r.RuleId == ruleId);

    /// <summary>The text with a placeholder replaced by the user's ID or localpart.</summary>
    public static string FillPlaceholder(string text, string userId) => text switch
    {
        UserIdPlaceholder => userId,
        LocalpartPlaceholder => new PushRecipient(userId, null).Localpart,
        _ => text,
    };

    /// <summary>Fills the placeholders in the patterns and values of (a copy of) a default rule's conditions.</summary>
    public static void FillPlaceholders(JsonArray conditions, string userId)
    {
        foreach (var condition in conditions.OfType<JsonObject>())
        {
            foreach (var key in (string[])["pattern", "value"])
            {
                if (condition[key] is JsonValue v && v.TryGetValue(out string? text)) condition[key] = FillPlaceholder(text, userId);
            }
        }
    }

    private static PushRule Override(string id, JsonArray conditions, JsonArray actions, bool enabled = true) =>
        new(PushRuleKind.Override, id, isDefault: true, enabled, conditions, null, actions);

    private static PushRule Underride(string id, JsonArray conditions, JsonArray actions) =>
        new(PushRuleKind.Underride, id, isDefault: true, enabled: true, conditions, null, actions);

    private static JsonObject EventMatch(string key, string pattern) => new() { ["kind"] = "event_match", ["key"] = key, ["pattern"] = pattern };

    private static JsonObject PropertyIs(string key, JsonNode value) => new() { ["kind"] = "event_property_is", ["key"] = key, ["value"] = value };

    private static JsonObject PropertyContains(string key, JsonNode value) => new() { ["kind"] = "event_property_contains", ["key"] = key, ["value"] = value };

    private static JsonObject MemberCount(string comparison) => new() { ["kind"] = "room_member_count", ["is"] = comparison };

    private static JsonObject SenderPermission(string key) => new() { ["kind"] = "sender_notification_permission", ["key"] = key };

    private static JsonObject Sound(string sound) => new() { [PushActions.SetTweak] = PushActions.Sound, ["value"] = sound };

    private static JsonObject Highlight() => new() { [PushActions.SetTweak] = PushActions.Highlight };
}
