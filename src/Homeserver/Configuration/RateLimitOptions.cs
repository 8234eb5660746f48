namespace Matrix.Homeserver.Configuration;

/// <summary>Request rate limits (Homeserver:RateLimits): token buckets per client IP or per user.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Turns every limit off (test rigs that register many users from one address).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests from a loopback peer skip the per-IP limits (login, register).</summary>
    public bool ExemptLoopback { get; set; } = true;

    /// <summary>POST /login, per client IP.</summary>
    public RateLimitPolicyOptions Login { get; set; } = new() { PerSecond = 0.5, Burst = 10 };

    /// <summary>POST /register, /register/available and token validity checks, per client IP.</summary>
    public RateLimitPolicyOptions Register { get; set; } = new() { PerSecond = 0.5, Burst = 10 };

    /// <summary>POST /login/get_token, per user (the spec suggests one a minute).</summary>
    public RateLimitPolicyOptions LoginToken { get; set; } = new() { PerSecond = 1.0 / 60, Burst = 1 };

    /// <summary>Sending events, per user.</summary>
    public RateLimitPolicyOptions Send { get; set; } = new() { PerSecond = 10, Burst = 100 };

    /// <summary>Joining rooms, per user.</summary>
    public RateLimitPolicyOptions Join { get; set; } = new() { PerSecond = 2, Burst = 30 };

    /// <summary>Third-party invites (each asks an identity server), per user: Synapse's rc_third_party_invite.</summary>
    public RateLimitPolicyOptions ThirdPartyInvite { get; set; } = new() { PerSecond = 0.2, Burst = 10 };
}

/// <summary>A token bucket: up to Burst requests at once, refilled at PerSecond.</summary>
public sealed class RateLimitPolicyOptions
{
    public double PerSecond { get; set; }
    public int Burst { get; set; }
}
