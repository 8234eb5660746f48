using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Push.Rules;

/// <summary>
/// One push rule (spec: "PushRule"): its kind and ID, whether it is a server-default rule and enabled,
/// its conditions (override and underride), pattern (content) and actions. Conditions are compiled
/// once, when the rule is built; room and sender rules match their ID against room_id and sender,
/// content rules their pattern against the words of content.body.
/// </summary>
public sealed class PushRule
{
    public PushRule(PushRuleKind kind, string ruleId, bool isDefault, bool enabled, JsonArray? conditions, string? pattern, JsonArray actions)
    {
        Kind = kind;
        RuleId = ruleId;
        IsDefault = isDefault;
        Enabled = enabled;
        Conditions = kind.HasConditions() ? conditions ?? [] : null;
        Pattern = kind == PushRuleKind.Content ? pattern : null;
        Actions = PushActions.From(actions);
        Compiled = kind switch
        {
            PushRuleKind.Content => [PushCondition.EventMatch("content.body", pattern ?? "", placeholders: isDefault)],
            PushRuleKind.Room => [PushCondition.EventMatch("room_id", ruleId)],
            PushRuleKind.Sender => [PushCondition.EventMatch("sender", ruleId)],
            _ => [.. Conditions!.Select(c => PushCondition.Compile(c, placeholders: isDefault))],
        };
        _readsRecipient = Compiled.Any(c => c.ReadsRecipient);
    }

    private readonly bool _readsRecipient;

    public PushRuleKind Kind { get; }
    public string RuleId { get; }

    /// <summary>A server-default rule (its ID starts with a dot).</summary>
    public bool IsDefault { get; }
    public bool Enabled { get; }
    public JsonArray? Conditions { get; }
    public string? Pattern { get; }
    public PushActions Actions { get; }

    internal PushCondition[] Compiled { get; }

    /// <summary>
    /// A server-default rule's place in <see cref="PredefinedPushRules.All"/> (-1 for a user's own rule): an event's
    /// outcome of a default rule that reads nothing of the recipient is the same for every recipient, so
    /// <see cref="PushEvent"/> keeps it by this index.
    /// </summary>
    internal int SharedIndex { get; set; } = -1;

    /// <summary>The same rule with the user's changes to enabled and actions (how server-default rules are customised).</summary>
    public PushRule With(bool? enabled, JsonArray? actions) =>
        enabled is null && actions is null ? this
            : new PushRule(Kind, RuleId, IsDefault, enabled ?? Enabled, Conditions?.DeepClone().AsArray(), Pattern, actions ?? Actions.Json.DeepClone().AsArray())
            {
                SharedIndex = SharedIndex,
            };

    public bool Matches(PushEvent pushEvent, PushRecipient recipient) =>
        SharedIndex >= 0 && !_readsRecipient ? pushEvent.SharedOutcome(this, recipient) : ConditionsHold(pushEvent, recipient);

    internal bool ConditionsHold(PushEvent pushEvent, PushRecipient recipient)
    {
        // Arrays and index loops: this runs for every rule, recipient and event, so no enumerator is allocated.
        var conditions = Compiled;
        for (var i = 0; i < conditions.Length; i++)
        {
            if (!conditions[i].Matches(pushEvent, recipient)) return false;
        }

        return true;
    }

    /// <summary>The rule as the API and the m.push_rules event show it to <paramref name="userId"/> (placeholders filled in).</summary>
    public JsonObject ToJson(string userId)
    {
        var json = new JsonObject
        {
            ["rule_id"] = RuleId,
            ["default"] = IsDefault,
            ["enabled"] = Enabled,
        };
        if (Conditions is not null)
        {
            var conditions = Conditions.DeepClone().AsArray();
            if (IsDefault) PredefinedPushRules.FillPlaceholders(conditions, userId);
            json["conditions"] = conditions;
        }

        if (Pattern is not null) json["pattern"] = IsDefault ? PredefinedPushRules.FillPlaceholder(Pattern, userId) : Pattern;
        json["actions"] = Actions.Json.DeepClone();
        return json;
    }
}
