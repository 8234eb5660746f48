namespace Matrix.Homeserver.Configuration;

/// <summary>TURN servers handed to clients for VoIP calls (GET /voip/turnServer), as Synapse's turn_* settings.</summary>
public sealed class VoipOptions
{
    /// <summary>turn: / turns: URIs of the TURN servers; none disables the endpoint's answer.</summary>
    public List<string> TurnUris { get; set; } = [];

    /// <summary>coturn's static-auth-secret: per-user credentials are derived from it (TURN REST API).</summary>
    public string? TurnSharedSecret { get; set; }

    /// <summary>Fixed credentials, when the TURN server has no shared secret.</summary>
    public string? TurnUsername { get; set; }

    public string? TurnPassword { get; set; }

    /// <summary>How long derived credentials stay valid, in seconds.</summary>
    public int TurnUserLifetimeSeconds { get; set; } = 86_400;

    /// <summary>Whether guests get TURN credentials.</summary>
    public bool TurnAllowGuests { get; set; } = true;
}
