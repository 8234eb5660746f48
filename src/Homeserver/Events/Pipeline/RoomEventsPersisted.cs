using Matrix.Homeserver.Rooms.State;
using Mediator;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// Published after a room's events commit: the federation sender, push and other listeners react
/// here, never inside the write. <paramref name="Local"/> says the events were built by this server;
/// <paramref name="Room"/> is the room's members and power levels after them, read once for every listener.
/// </summary>
public sealed record RoomEventsPersisted(string RoomId, IReadOnlyList<PersistedEvent> Events, bool Local, RoomSnapshot Room) : INotification;
