using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Media.Remote;

/// <summary>
/// Fetches a remote server's media over federation (GET /_matrix/federation/v1/media/download/{mediaId}).
/// The federation client implements it; until then <see cref="UnavailableRemoteMediaFetcher"/> answers
/// 404 for every remote server. Callers cache what it returns (see <see cref="RemoteMediaCache"/>).
/// </summary>
public interface IRemoteMediaFetcher
{
    /// <summary>Starts the download. The returned content stream is read at most once, by the caller.</summary>
    /// <exception cref="MatrixException">404 M_NOT_FOUND when the origin does not have it or cannot be reached.</exception>
    Task<RemoteMediaDownload> FetchAsync(string origin, string mediaId, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>A remote server's answer: the media's metadata and its bytes, streamed.</summary>
public sealed class RemoteMediaDownload(string contentType, string? fileName, Stream content) : IAsyncDisposable
{
    public string ContentType { get; } = contentType;
    public string? FileName { get; } = fileName;
    public Stream Content { get; } = content;

    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

/// <summary>The fetcher until federation lands: no remote server's media can be reached.</summary>
public sealed class UnavailableRemoteMediaFetcher : IRemoteMediaFetcher
{
    public Task<RemoteMediaDownload> FetchAsync(string origin, string mediaId, TimeSpan timeout, CancellationToken cancellationToken) =>
        throw MatrixException.NotFound("Remote media is not available");
}
