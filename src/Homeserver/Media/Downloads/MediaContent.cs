namespace Matrix.Homeserver.Media.Downloads;

/// <summary>A stored file ready to serve: the original content or a thumbnail of it.</summary>
/// <param name="Path">The file in the media store.</param>
/// <param name="FileName">The name for Content-Disposition, if any.</param>
/// <param name="Sha256">Hash of the bytes; becomes the ETag.</param>
/// <param name="Timestamp">Upload (or generation) time in ms, for Last-Modified.</param>
public sealed record MediaContent(string Path, string ContentType, string? FileName, long Length, byte[]? Sha256, long Timestamp);
