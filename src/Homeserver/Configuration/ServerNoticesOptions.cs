namespace Matrix.Homeserver.Configuration;

/// <summary>
/// The server notices room (spec "Server Notices"): off unless the system user's localpart is set, as Synapse's
/// <c>server_notices</c>. Notices are sent by an admin (POST /_synapse/admin/v1/send_server_notice).
/// </summary>
public sealed class ServerNoticesOptions
{
    /// <summary>The localpart of the user notices come from, created on first use (no password: it cannot log in). Null: off.</summary>
    public string? SystemUserLocalpart { get; set; }

    public string SystemUserDisplayName { get; set; } = "Server Notices";

    public string RoomName { get; set; } = "Server Notices";
}
