using System.Collections.Concurrent;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Media.Remote;

namespace Matrix.Homeserver.Tests.Media;

/// <summary>Test double of federation media fetching: serves what the test put in, and counts fetches.</summary>
public sealed class FakeRemoteMediaServer : IRemoteMediaFetcher
{
    private readonly ConcurrentDictionary<(string Origin, string MediaId), (string ContentType, string? FileName, byte[] Bytes)> _media = new();
    private int _fetches;

    public int Fetches => _fetches;

    public void Add(string origin, string mediaId, string contentType, string? fileName, byte[] bytes) =>
        _media[(origin, mediaId)] = (contentType, fileName, bytes);

    public Task<RemoteMediaDownload> FetchAsync(string origin, string mediaId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        return _media.TryGetValue((origin, mediaId), out var item)
            ? Task.FromResult(new RemoteMediaDownload(item.ContentType, item.FileName, new MemoryStream(item.Bytes)))
            : throw MatrixException.NotFound("Not on the remote server");
    }
}
