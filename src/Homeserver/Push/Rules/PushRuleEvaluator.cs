namespace Matrix.Homeserver.Push.Rules;

/// <summary>
/// Runs a user's rule set on an event (spec: "Push Rules"): the first enabled rule whose conditions
/// all hold decides; no match means no notification. A user is never notified of their own events.
/// </summary>
public static class PushRuleEvaluator
{
    public static PushRule? FirstMatch(PushRuleSet rules, PushEvent pushEvent, PushRecipient recipient)
    {
        if (pushEvent.Sender == recipient.UserId) return null;
        var legacyMentionsOff = pushEvent.HasMentions;
        var ordered = rules.InOrder;
        for (var i = 0; i < ordered.Length; i++)
        {
            var rule = ordered[i];
            if (!rule.Enabled) continue;
            if (legacyMentionsOff && rule.IsDefault && PredefinedPushRules.IsLegacyMentionRule(rule.RuleId)) continue;
            if (rule.Matches(pushEvent, recipient)) return rule;
        }

        return null;
    }
}
