using System.Text.Json;
using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Push.Rules;

/// <summary>
/// A compiled condition of a push rule (spec: "Conditions"). Unknown kinds, and known kinds missing a
/// parameter or given one of the wrong type, never match: the rule is then effectively disabled,
/// as the spec requires of unrecognised conditions.
/// </summary>
public abstract class PushCondition
{
    public abstract bool Matches(PushEvent pushEvent, PushRecipient recipient);

    /// <summary>Whether the outcome depends on the recipient (their ID, localpart or display name), not on the event alone.</summary>
    internal virtual bool ReadsRecipient => false;

    /// <param name="placeholders">
    /// For server-default rules: a pattern or value that is one of the <see cref="PredefinedPushRules"/>
    /// placeholders stands for the recipient's user ID or localpart, so one compiled rule serves every user.
    /// </param>
    public static PushCondition Compile(JsonNode? condition, bool placeholders = false)
    {
        if (condition is not JsonObject json) return Never.Instance;
        return Text(json, "kind") switch
        {
            "event_match" when Text(json, "key") is { } key && Text(json, "pattern") is { } pattern => EventMatch(key, pattern, placeholders),
            "event_property_is" when Text(json, "key") is { } key && SimpleValue(json) is { } value => new PropertyIs(PropertyPath.Parse(key), value),
            "event_property_contains" when placeholders && Text(json, "key") is { } key && Text(json, "value") == PredefinedPushRules.UserIdPlaceholder =>
                new PropertyContainsUserId(PropertyPath.Parse(key)),
            "event_property_contains" when Text(json, "key") is { } key && SimpleValue(json) is { } value => new PropertyContains(PropertyPath.Parse(key), value),
            "contains_display_name" => ContainsDisplayName.Instance,
            "room_member_count" when Text(json, "is") is { } count && MemberCount.TryParse(count) is { } parsed => parsed,
            "sender_notification_permission" when Text(json, "key") is { } key => new SenderPermission(key),
            _ => Never.Instance,
        };
    }

    /// <summary>A glob on a property; on content.body it matches words of the body.</summary>
    public static PushCondition EventMatch(string key, string pattern, bool placeholders = false)
    {
        var path = PropertyPath.Parse(key);
        var words = key == "content.body";
        return placeholders && pattern == PredefinedPushRules.UserIdPlaceholder ? new MatchRecipient(path, words, localpart: false)
            : placeholders && pattern == PredefinedPushRules.LocalpartPlaceholder ? new MatchRecipient(path, words, localpart: true)
            : new Match(path, GlobMatcher.Glob(pattern, words));
    }

    private static string? Text(JsonObject json, string name) => json[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static Simple? SimpleValue(JsonObject json) =>
        json.TryGetPropertyValue("value", out var value) && Simple.TryFrom(value, out var simple) ? simple : null;

    private sealed class Never : PushCondition
    {
        public static readonly Never Instance = new();

        public override bool Matches(PushEvent pushEvent, PushRecipient recipient) => false;
    }

    private sealed class Match(PropertyPath key, GlobMatcher glob) : PushCondition
    {
        public override bool Matches(PushEvent pushEvent, PushRecipient recipient) =>
            pushEvent.LoweredString(key) is { } value && glob.IsMatch(value);
    }

    /// <summary>The recipient's user ID or localpart, literally, as the whole value or as words of the body.</summary>
    private sealed class MatchRecipient(PropertyPath key, bool words, bool localpart) : PushCondition
    {
        internal override bool ReadsRecipient => true;

        public override bool Matches(PushEvent pushEvent, PushRecipient recipient)
        {
            if (pushEvent.LoweredString(key) is not { } value) return false;
            var text = localpart ? recipient.LoweredLocalpart : recipient.LoweredUserId;
            return words ? GlobMatcher.ContainsWords(value, text) : string.Equals(value, text, StringComparison.Ordinal);
        }
    }

    private sealed class PropertyContainsUserId(PropertyPath key) : PushCondition
    {
        internal override bool ReadsRecipient => true;

        public override bool Matches(PushEvent pushEvent, PushRecipient recipient) =>
            key.TryFind(pushEvent.Json, out var node) && node is JsonArray array
            && array.Any(item => item is JsonValue v && v.TryGetValue(out string? s) && s == recipient.UserId);
    }

    private sealed class PropertyIs(PropertyPath key, Simple value) : PushCondition
    {
        public override bool Matches(PushEvent pushEvent, PushRecipient recipient) =>
            key.TryFind(pushEvent.Json, out var node) && Simple.TryFrom(node, out var found) && found == value;
    }

    private sealed class PropertyContains(PropertyPath key, Simple value) : PushCondition
    {
        public override bool Matches(PushEvent pushEvent, PushRecipient recipient) =>
            key.TryFind(pushEvent.Json, out var node) && node is JsonArray array
            && array.Any(item => Simple.TryFrom(item, out var found) && found == value);
    }

    /// <summary>The recipient's display name in the room, as words of the body; an empty name never matches.</summary>
    private sealed class ContainsDisplayName : PushCondition
    {
        public static readonly ContainsDisplayName Instance = new();

        internal override bool ReadsRecipient => true;

        public override bool Matches(PushEvent pushEvent, PushRecipient recipient) =>
            !string.IsNullOrEmpty(recipient.DisplayName)
            && pushEvent.LoweredString(PushEvent.BodyPath) is { } body
            && GlobMatcher.ContainsWords(body, recipient.LoweredDisplayName!);
    }

    /// <summary>The joined member count against "2", "==2", "&lt;10", "&gt;1", "&gt;=3" or "&lt;=10".</summary>
    private sealed class MemberCount(string comparison, long count) : PushCondition
    {
        public static MemberCount? TryParse(string text)
        {
            var digits = text.AsSpan().IndexOfAnyInRange('0', '9');
            if (digits < 0) return null;
            var number = text.AsSpan(digits);
            if (number.ContainsAnyExceptInRange('0', '9') || !long.TryParse(number, out var count)) return null;
            var comparison = text[..digits];
            return comparison is "" or "==" or "<" or ">" or "<=" or ">=" ? new MemberCount(comparison, count) : null;
        }

        public override bool Matches(PushEvent pushEvent, PushRecipient recipient) => comparison switch
        {
            "" or "==" => pushEvent.RoomMemberCount == count,
            "<" => pushEvent.RoomMemberCount < count,
            ">" => pushEvent.RoomMemberCount > count,
            "<=" => pushEvent.RoomMemberCount <= count,
            _ => pushEvent.RoomMemberCount >= count,
        };
    }

    /// <summary>The sender's power reaches the room's notifications level for the key (50 when unset).</summary>
    private sealed class SenderPermission(string key) : PushCondition
    {
        public override bool Matches(PushEvent pushEvent, PushRecipient recipient) =>
            pushEvent.Sender is { } sender && pushEvent.PowerLevels.UserLevel(sender) >= pushEvent.PowerLevels.NotificationLevel(key);
    }

    /// <summary>
    /// A non-compound canonical JSON value (string, integer in ±(2^53-1), boolean, null), compared
    /// exactly: "true" is not true and 1 is not true.
    /// </summary>
    private readonly record struct Simple(JsonValueKind Kind, string? Text, long Number)
    {
        private const long MaxSafeInteger = (1L << 53) - 1;

        public static bool TryFrom(JsonNode? node, out Simple value)
        {
            value = default;
            switch (node?.GetValueKind() ?? JsonValueKind.Null)
            {
                case JsonValueKind.Null:
                case JsonValueKind.True:
                case JsonValueKind.False:
                    value = new Simple(node?.GetValueKind() ?? JsonValueKind.Null, null, 0);
                    return true;
                case JsonValueKind.String:
                    value = new Simple(JsonValueKind.String, node!.GetValue<string>(), 0);
                    return true;
                case JsonValueKind.Number when node!.AsValue().TryGetValue(out long n) && n is >= -MaxSafeInteger and <= MaxSafeInteger:
                    value = new Simple(JsonValueKind.Number, null, n);
                    return true;
                default:
                    return false;
            }
        }
    }
}
