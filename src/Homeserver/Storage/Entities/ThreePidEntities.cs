namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// A 3PID a local user bound to an identity server through this server (POST /account/3pid/bind), so that removing it
/// or deactivating the account can unbind it there again (Synapse's user_threepid_id_server).
/// </summary>
public sealed class ThreePidBinding
{
    public required string UserId { get; set; }
    public required string Medium { get; set; }
    public required string Address { get; set; }
    public required string IdServer { get; set; }
}
