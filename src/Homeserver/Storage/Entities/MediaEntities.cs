namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// Media uploaded by a local user. A row created by POST /media/v1/create has no content yet
/// (<see cref="UploadedTs"/> is null) until its PUT arrives or <see cref="UnusedExpiresTs"/> passes.
/// </summary>
public sealed class LocalMedia
{
    public required string MediaId { get; set; }
    public required string UploaderUserId { get; set; }
    public required string ContentType { get; set; }
    public string? UploadName { get; set; }
    public long CreatedTs { get; set; }

    /// <summary>When the content arrived; null while an async upload is pending.</summary>
    public long? UploadedTs { get; set; }

    /// <summary>Deadline of a pending async upload; null for media uploaded in one request.</summary>
    public long? UnusedExpiresTs { get; set; }

    /// <summary>Set by the one PUT that is storing a pending upload's content; racing PUTs see it and get 409.</summary>
    public string? UploadClaim { get; set; }

    public long SizeBytes { get; set; }
    public byte[]? Sha256 { get; set; }

    /// <summary>Uploaded while unauthenticated access was frozen: the legacy endpoints do not serve it.</summary>
    public bool Authenticated { get; set; }

    /// <summary>The admin who quarantined it; quarantined media is not served.</summary>
    public string? QuarantinedBy { get; set; }
}

/// <summary>A remote server's media, fetched once and kept in the local store.</summary>
public sealed class RemoteMedia
{
    public required string Origin { get; set; }
    public required string MediaId { get; set; }
    public required string ContentType { get; set; }
    public string? UploadName { get; set; }
    public long FetchedTs { get; set; }
    public long SizeBytes { get; set; }
    public required byte[] Sha256 { get; set; }

    /// <summary>Cached while unauthenticated access was frozen: the legacy endpoints do not serve it.</summary>
    public bool Authenticated { get; set; }
    public string? QuarantinedBy { get; set; }
}

/// <summary>A generated thumbnail of local or cached remote media, stored beside the original.</summary>
public sealed class MediaThumbnail
{
    public long Id { get; set; }

    /// <summary>The server name of the media's mxc:// URI (ours for local media).</summary>
    public required string Origin { get; set; }
    public required string MediaId { get; set; }
    public int Width { get; set; }
    public int Height { get; set; }

    /// <summary>"crop" or "scale".</summary>
    public required string Method { get; set; }
    public required string ContentType { get; set; }
    public long SizeBytes { get; set; }
    public long CreatedTs { get; set; }
}
