namespace Matrix.Federation.Auth;

/// <summary>Values of content.join_rule in m.room.join_rules.</summary>
public static class JoinRules
{
    public const string Public = "public";
    public const string Invite = "invite";
    public const string Knock = "knock";
    public const string Restricted = "restricted";
    public const string KnockRestricted = "knock_restricted";
    public const string Private = "private";
}
