namespace Matrix.Homeserver.Configuration;

/// <summary>Push notifications: how HTTP pushers reach push gateways.</summary>
public sealed class PushOptions
{
    /// <summary>
    /// Let pushers reach gateways on loopback, private, link-local and other non-public addresses.
    /// Off by default: a client chooses the gateway URL, so it must not reach into our network.
    /// For tests and on-premises gateways only.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Send the event's content to gateways (pushers with format event_id_only never get it).</summary>
    public bool IncludeContent { get; set; } = true;
}
