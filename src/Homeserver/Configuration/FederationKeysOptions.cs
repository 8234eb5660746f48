namespace Matrix.Homeserver.Configuration;

/// <summary>Homeserver:FederationKeys: end-to-end encryption keys over federation.</summary>
public sealed class FederationKeysOptions
{
    /// <summary>
    /// Show our users' device display names to other servers (in /user/devices, /user/keys/query and
    /// m.device_list_update). Off by default, like Synapse's allow_device_name_lookup_over_federation:
    /// names often say more about a person than they meant to share with every room member's server.
    /// </summary>
    public bool AllowDeviceNameLookup { get; set; }
}
