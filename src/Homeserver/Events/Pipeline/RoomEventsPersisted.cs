using Matrix.Homeserver.Rooms.State;
using Mediator;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// Published after a room's events commit, before the local long-polls are woken: push and other listeners react
/// here, never inside the write. <paramref name="Local"/> says the events were built by this server;
/// <paramref name="Room"/> is the room's members and power levels after them, read once for every listener.
/// </summary>
public sealed record RoomEventsPersisted(string RoomId, IReadOnlyList<PersistedEvent> Events, bool Local, RoomSnapshot Room) : INotification;

/// <summary>
/// Published once the local long-polls are woken and the senders answered: what other servers and application services
/// are sent (each a write to its queue's table) holds up neither. Still in the room's order; a crash before it is caught
/// up at start-up from the events' stream positions.
/// </summary>
public sealed record RoomEventsToForward(string RoomId, IReadOnlyList<PersistedEvent> Events, bool Local, RoomSnapshot Room) : INotification;
