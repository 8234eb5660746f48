using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Media.Uploads;

/// <summary>What the uploader says about the content: its type (header) and name (query).</summary>
public sealed record UploadMetadata(string? ContentType, string? FileName);

/// <summary>POST /_matrix/media/v3/upload: stores the body under a new media ID.</summary>
public sealed record UploadMedia(Requester Requester, Stream Body, UploadMetadata Metadata) : ICommand<MediaKey>;

/// <summary>POST /_matrix/media/v1/create: reserves a media ID whose content comes later.</summary>
public sealed record CreateMedia(Requester Requester) : ICommand<CreatedMedia>;

public sealed record CreatedMedia(MediaKey Key, long UnusedExpiresAt);

/// <summary>PUT /_matrix/media/v3/upload/{serverName}/{mediaId}: the content of a created media ID.</summary>
public sealed record UploadPendingMedia(Requester Requester, MediaKey Key, Stream Body, UploadMetadata Metadata) : ICommand;
