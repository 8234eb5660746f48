namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// A local room alias (#name:our.server) and the room it points to. An empty <see cref="RoomId"/>
/// marks an alias reserved by a createRoom still in progress: the unique key makes the reservation atomic.
/// </summary>
public sealed class RoomAliasMapping
{
    public required string Alias { get; set; }
    public required string RoomId { get; set; }

    /// <summary>The user who created the alias: they may always delete it.</summary>
    public required string Creator { get; set; }
    public long CreatedTs { get; set; }
}
