using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Media.Admin;

/// <summary>DELETE /_synapse/admin/v1/media/{serverName}/{mediaId}: removes local media, its thumbnails and files.</summary>
public sealed record DeleteMedia(Requester Requester, MediaKey Key) : ICommand;

/// <summary>POST /_synapse/admin/v1/media/(un)quarantine/{serverName}/{mediaId}: hides (or restores) local or cached remote media.</summary>
public sealed record SetMediaQuarantine(Requester Requester, MediaKey Key, bool Quarantined) : ICommand;
