namespace Matrix.Homeserver.Configuration;

/// <summary>Homeserver:Federation: whether and how this server talks to others.</summary>
public sealed class FederationOptions
{
    /// <summary>Whether this server federates at all: false maps no federation routes and sends nothing.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// For tests only: server name → host:port, bypassing .well-known/SRV discovery (and the
    /// private-address block for the listed targets). Empty by default.
    /// </summary>
    public Dictionary<string, string> ResolverOverrides { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>For tests only: an extra CA certificate (PEM) trusted for outbound federation TLS.</summary>
    public string? TrustedCaPath { get; set; }

    /// <summary>Let outbound federation connect to loopback, private and other non-public addresses.</summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>When not empty, the only servers we federate with (server names, or *.domain for subdomains).</summary>
    public List<string> AllowedDomains { get; set; } = [];

    /// <summary>Servers we never federate with, in either direction.</summary>
    public List<string> DeniedDomains { get; set; } = [];

    /// <summary>Notary servers asked for other servers' keys before asking those servers directly. Empty by default.</summary>
    public List<TrustedKeyServerOptions> TrustedKeyServers { get; set; } = [];

    /// <summary>How long the keys we publish are valid (valid_until_ts = now + this); others refetch after it.</summary>
    public int KeyValidityHours { get; set; } = 24;

    /// <summary>expired_ts published for the old keys of the key file (its lines after the first); default: the file's modification time.</summary>
    public long? OldKeysExpiredTs { get; set; }

    /// <summary>Time allowed for one outbound federation request, discovery included.</summary>
    public int RequestTimeoutSeconds { get; set; } = 60;

    /// <summary>Authenticated requests of one server handled at once; the next ones wait their turn (Synapse: 3).</summary>
    public int ConcurrentRequestsPerServer { get; set; } = 3;

    /// <summary>Requests of one server waiting for a turn; more are refused with 429 M_LIMIT_EXCEEDED.</summary>
    public int QueuedRequestsPerServer { get; set; } = 50;
}

/// <summary>A notary we trust for other servers' keys, with the keys its answers must be signed with.</summary>
public sealed class TrustedKeyServerOptions
{
    public string ServerName { get; set; } = "";

    /// <summary>The notary's keys (a list, as key IDs contain ':' which configuration keys cannot).</summary>
    public List<NotaryKeyOptions> VerifyKeys { get; set; } = [];
}

public sealed class NotaryKeyOptions
{
    /// <summary>ed25519:version</summary>
    public string KeyId { get; set; } = "";

    /// <summary>Unpadded base64 Ed25519 public key.</summary>
    public string Key { get; set; } = "";
}
