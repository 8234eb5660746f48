namespace Matrix.Federation.Auth;

/// <summary>The outcome of the authorization rules: allowed, or rejected with the rule that failed.</summary>
public readonly record struct AuthResult
{
    private AuthResult(string? rejectionReason) => RejectionReason = rejectionReason;

    public static AuthResult Allowed => default;

    /// <summary>Why the event was rejected, naming the rule; null when it is allowed.</summary>
    public string? RejectionReason { get; }

    public bool IsAllowed => RejectionReason is null;

    public static AuthResult Reject(string reason) => new(reason);

    public override string ToString() => RejectionReason ?? "allowed";
}
