namespace Matrix.Homeserver.Push.Rules;

/// <summary>The kinds of push rule, in the order they are checked (spec: "Push Rules").</summary>
public enum PushRuleKind
{
    Override,
    Content,
    Room,
    Sender,
    Underride,
}

public static class PushRuleKinds
{
    public static readonly IReadOnlyList<PushRuleKind> All = [PushRuleKind.Override, PushRuleKind.Content, PushRuleKind.Room, PushRuleKind.Sender, PushRuleKind.Underride];

    /// <summary>The kind's name in the API and in the m.push_rules event.</summary>
    public static string Name(this PushRuleKind kind) => kind switch
    {
        PushRuleKind.Override => "override",
        PushRuleKind.Content => "content",
        PushRuleKind.Room => "room",
        PushRuleKind.Sender => "sender",
        PushRuleKind.Underride => "underride",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool TryParse(string name, out PushRuleKind kind)
    {
        foreach (var candidate in All)
        {
            if (candidate.Name() == name)
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }

    /// <summary>Override and underride rules carry their own conditions; the others have one implied by their ID or pattern.</summary>
    public static bool HasConditions(this PushRuleKind kind) => kind is PushRuleKind.Override or PushRuleKind.Underride;
}
