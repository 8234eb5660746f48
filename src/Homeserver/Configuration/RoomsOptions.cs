namespace Matrix.Homeserver.Configuration;

/// <summary>Which new rooms get m.room.encryption at creation (Synapse's encryption_enabled_by_default_for_room_type).</summary>
public enum EncryptByDefault
{
    /// <summary>Only rooms whose creator asks for it (initial_state).</summary>
    Off,

    /// <summary>Rooms created with the private_chat or trusted_private_chat preset (private rooms and DMs).</summary>
    Invite,

    /// <summary>Every new room.</summary>
    All,
}

public sealed class RoomsOptions
{
    public EncryptByDefault EncryptByDefault { get; set; } = EncryptByDefault.Off;
}
