namespace Matrix.Homeserver.Configuration;

/// <summary>Homeserver:FederationMembership: joining rooms of other servers.</summary>
public sealed class FederationMembershipOptions
{
    /// <summary>The most state and auth chain events a send_join answer may hold (a very large room's answer is refused beyond it).</summary>
    public int MaxJoinEvents { get; set; } = 100_000;

    /// <summary>The largest send_join answer read, in MiB.</summary>
    public int MaxJoinResponseMegabytes { get; set; } = 100;

    /// <summary>Time allowed for one send_join request: resident servers of large rooms take a while to answer.</summary>
    public int JoinTimeoutSeconds { get; set; } = 300;
}
