using Mediator;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// Published after a room's events commit: the federation sender, push and other listeners react
/// here, never inside the write. <paramref name="Local"/> says the events were built by this server.
/// </summary>
public sealed record RoomEventsPersisted(string RoomId, IReadOnlyList<PersistedEvent> Events, bool Local) : INotification;
