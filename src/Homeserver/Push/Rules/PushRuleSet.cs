using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Push.Rules;

/// <summary>A customisation of a server-default rule: only enabled and actions can change.</summary>
public sealed record DefaultRuleChange(bool? Enabled, JsonArray? Actions);

/// <summary>
/// A user's whole rule set (the "global" ruleset) in evaluation order: .m.rule.master, the user's
/// override rules, the other default override rules, then content (user's, then default), room,
/// sender, and underride (user's, then default). Immutable once built, so it can be cached and shared;
/// it holds references to the shared default rules, so a cached set costs little beyond the user's own rules.
/// </summary>
public sealed class PushRuleSet
{
    private readonly Dictionary<PushRuleKind, IReadOnlyList<PushRule>> _byKind;

    private PushRuleSet(string userId, Dictionary<PushRuleKind, IReadOnlyList<PushRule>> byKind)
    {
        UserId = userId;
        _byKind = byKind;
        InOrder = [.. PushRuleKinds.All.SelectMany(kind => byKind[kind])];
    }

    public string UserId { get; }

    /// <summary>Every rule in evaluation order (an array, so the hot loop allocates no enumerator).</summary>
    public PushRule[] InOrder { get; }

    /// <param name="userRules">The user's own rules, most important first within each kind.</param>
    /// <param name="defaultChanges">The user's changes to server-default rules, by kind and rule ID.</param>
    public static PushRuleSet Build(string userId, IEnumerable<PushRule> userRules, IReadOnlyDictionary<(PushRuleKind Kind, string RuleId), DefaultRuleChange> defaultChanges)
    {
        // The defaults are shared by every user's set; only the ones a user changed are copies.
        var defaults = PredefinedPushRules.All
            .Select(r => defaultChanges.TryGetValue((r.Kind, r.RuleId), out var change) ? r.With(change.Enabled, change.Actions) : r)
            .ToList();
        var own = userRules.ToList();
        var byKind = PushRuleKinds.All.ToDictionary(kind => kind, kind =>
        {
            var defaultsOfKind = defaults.Where(r => r.Kind == kind).ToList();
            var ownOfKind = own.Where(r => r.Kind == kind);
            // The master rule outranks even the user's rules.
            var leading = defaultsOfKind.Where(r => r.RuleId == PredefinedPushRules.Master);
            return (IReadOnlyList<PushRule>)[.. leading, .. ownOfKind, .. defaultsOfKind.Where(r => r.RuleId != PredefinedPushRules.Master)];
        });
        return new PushRuleSet(userId, byKind);
    }

    public IReadOnlyList<PushRule> OfKind(PushRuleKind kind) => _byKind[kind];

    public PushRule? Find(PushRuleKind kind, string ruleId) => _byKind[kind].FirstOrDefault(r => r.RuleId == ruleId);

    /// <summary>The ruleset object of GET /pushrules/global/ (and of m.push_rules under "global").</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var kind in PushRuleKinds.All) json[kind.Name()] = new JsonArray([.. _byKind[kind].Select(r => (JsonNode)r.ToJson(UserId))]);
        return json;
    }
}
