using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Push;

/// <summary>
/// Notification writes hold stream positions (push rule changes take theirs in the account data table,
/// as the m.push_rules event). Their index is per user (sync asks for a user's rooms written after a token), so
/// the start-up reads each user's highest.
/// </summary>
internal sealed class PushStreamSource : IStreamSource
{
    public StreamColumn Positions { get; } = new(typeof(EventPushAction), nameof(EventPushAction.WrittenAt), nameof(EventPushAction.UserId));
}

/// <summary>The rooms' shared notifications hold the same write positions; their index is per room.</summary>
internal sealed class RoomPushStreamSource : IStreamSource
{
    public StreamColumn Positions { get; } = new(typeof(RoomPushAction), nameof(RoomPushAction.WrittenAt), nameof(RoomPushAction.RoomId));
}
