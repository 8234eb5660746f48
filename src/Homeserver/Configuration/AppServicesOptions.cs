namespace Matrix.Homeserver.Configuration;

/// <summary>Application services (bridges, bots): Homeserver:AppServices.</summary>
public sealed class AppServicesOptions
{
    /// <summary>Paths of Synapse-format YAML registration files, one per application service.</summary>
    public List<string> RegistrationFiles { get; set; } = [];
}
