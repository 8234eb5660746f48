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

    /// <summary>
    /// The version of rooms created without one (Synapse's default_room_version); the spec's recommendation, 12, unless
    /// set. An older one (10, 11) lets servers that do not know 12 yet join the rooms made here.
    /// </summary>
    public string DefaultRoomVersion { get; set; } = Matrix.Federation.Rooms.RoomVersions.Default.Id;

    /// <summary>The configured default as a room version (the validator has checked it is one).</summary>
    public Matrix.Federation.Rooms.RoomVersion DefaultVersion => Matrix.Federation.Rooms.RoomVersions.Find(DefaultRoomVersion) ?? Matrix.Federation.Rooms.RoomVersions.Default;
}
