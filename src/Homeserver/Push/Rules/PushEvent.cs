using System.Text.Json.Nodes;
using Matrix.Federation.Auth;

namespace Matrix.Homeserver.Push.Rules;

/// <summary>
/// One event as the push rules see it, with the room facts their conditions read (joined member count,
/// power levels). Built once per event and shared by every recipient, so each property a rule reads is
/// looked up and lower-cased once.
/// </summary>
public sealed class PushEvent(JsonObject json, long roomMemberCount, PowerLevels powerLevels)
{
    public static readonly PropertyPath BodyPath = PropertyPath.Parse("content.body");

    private readonly Dictionary<string, string?> _lowered = new(StringComparer.Ordinal);

    /// <summary>By <see cref="PushRule.SharedIndex"/>: 0 not evaluated yet, 1 the rule's conditions hold, 2 they do not.</summary>
    private byte[]? _sharedOutcomes;

    /// <summary>The event (its PDU form: type, sender, state_key, room_id, content...).</summary>
    public JsonObject Json { get; } = json;

    public long RoomMemberCount { get; } = roomMemberCount;

    public PowerLevels PowerLevels { get; } = powerLevels;

    /// <summary>Read once: every recipient's evaluation starts with it.</summary>
    public string? Sender { get; } = json["sender"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    /// <summary>
    /// The event uses intentional mentions (content has m.mentions, even empty): the legacy rules that
    /// look for names in the body then stay silent (spec: "User and room mentions").
    /// </summary>
    public bool HasMentions { get; } = json["content"] is JsonObject content && content.ContainsKey("m.mentions");

    /// <summary>The string at the path, lower-cased; null when absent or not a string.</summary>
    public string? LoweredString(PropertyPath path)
    {
        if (_lowered.TryGetValue(path.Text, out var cached)) return cached;
        var lowered = path.TryFind(Json, out var node) && node is JsonValue v && v.TryGetValue(out string? s) ? s.ToLowerInvariant() : null;
        _lowered[path.Text] = lowered;
        return lowered;
    }

    /// <summary>Whether a server-default rule that reads nothing of the recipient holds, evaluated for the first recipient only.</summary>
    internal bool SharedOutcome(PushRule rule, PushRecipient recipient)
    {
        var outcomes = _sharedOutcomes ??= new byte[PredefinedPushRules.All.Count];
        ref var outcome = ref outcomes[rule.SharedIndex];
        if (outcome == 0) outcome = rule.ConditionsHold(this, recipient) ? (byte)1 : (byte)2;
        return outcome == 1;
    }
}

/// <summary>
/// The local user a rule set is evaluated for, with their display name in the room. A class, not a record: its
/// lower-cased texts are made on first use, and a record's equality would compare them too.
/// </summary>
public sealed class PushRecipient(string userId, string? displayName)
{
    public string UserId { get; } = userId;

    public string? DisplayName { get; } = displayName;

    public string Localpart { get; } = userId[1..Math.Max(1, userId.IndexOf(':', StringComparison.Ordinal))];

    // Lower-cased as event values are (PushEvent.LoweredString), so that they are compared ordinally: a recipient's
    // texts are compared with every event of a batch, and a case-insensitive search is several times slower.
    public string LoweredUserId => field ??= UserId.ToLowerInvariant();

    public string LoweredLocalpart => field ??= Localpart.ToLowerInvariant();

    public string? LoweredDisplayName => DisplayName is null ? null : field ??= DisplayName.ToLowerInvariant();
}
