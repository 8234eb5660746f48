using System.Buffers;
using System.Security.Cryptography;
using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.Media;

/// <summary>
/// The on-disk layout of the media store. Content is written to tmp/ first and moved into place, so a
/// reader never sees a half-written file and the store and tmp/ share one filesystem (atomic rename):
/// <code>
/// local/ab/cd/MEDIAID                     content uploaded here
/// remote/ORIGIN/ab/cd/MEDIAID             cached remote content (':' in ORIGIN written as '_')
/// thumbnails/ORIGIN/ab/cd/MEDIAID/WxH-method.ext
/// tmp/                                    uploads and thumbnails being written
/// </code>
/// ab/cd are the first hex digits of the media ID's SHA-256, which spreads IDs of any shape evenly.
/// </summary>
public sealed class MediaFiles
{
    private readonly string _root;
    private readonly string _serverName;

    public MediaFiles(HomeserverOptions options)
    {
        _root = Path.GetFullPath(options.Media.StorePath);
        _serverName = options.ServerName;
    }

    /// <summary>Our server name: the origin of local media.</summary>
    public string LocalOrigin => _serverName;

    public bool IsLocal(MediaKey key) => key.Origin == _serverName;

    public string ContentPath(MediaKey key) => IsLocal(key)
        ? Under("local", Shard(key.MediaId), key.MediaId)
        : Under("remote", OriginDirectory(key.Origin), Shard(key.MediaId), key.MediaId);

    public string ThumbnailDirectory(MediaKey key) =>
        Under("thumbnails", OriginDirectory(key.Origin), Shard(key.MediaId), key.MediaId);

    public string ThumbnailPath(MediaKey key, string fileName) => Path.Combine(ThumbnailDirectory(key), fileName);

    /// <summary>Copies <paramref name="source"/> into a temporary file, counting and hashing as it goes.</summary>
    /// <param name="tooLarge">Thrown as soon as more than <paramref name="maxBytes"/> arrive: the length header is never trusted.</param>
    public async Task<StagedFile> ReceiveAsync(Stream source, long maxBytes, Func<Exception> tooLarge, CancellationToken cancellationToken)
    {
        var staged = NewStagedFile();
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            await using (var file = new FileStream(staged.TempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > maxBytes) throw tooLarge();
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            staged.Complete(total, hash.GetHashAndReset());
            return staged;
        }
        catch
        {
            staged.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>An empty temporary file path under tmp/; deleted on dispose unless moved.</summary>
    public StagedFile NewStagedFile()
    {
        var directory = Under("tmp");
        Directory.CreateDirectory(directory);
        return new StagedFile(Path.Combine(directory, Guid.NewGuid().ToString("N")));
    }

    /// <summary>Deletes a media item's content and every thumbnail of it, whichever exist.</summary>
    public void Delete(MediaKey key)
    {
        // File.Delete tolerates a missing file but not a missing directory (a pending upload has neither).
        var content = ContentPath(key);
        if (File.Exists(content)) File.Delete(content);
        var thumbnails = ThumbnailDirectory(key);
        if (Directory.Exists(thumbnails)) Directory.Delete(thumbnails, recursive: true);
    }

    private static string Shard(string mediaId)
    {
        var hex = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(mediaId)));
        return Path.Combine(hex[..2], hex[2..4]);
    }

    // Server names never contain '_', so mapping ':' (a port) to it cannot make two origins collide.
    private static string OriginDirectory(string origin) => origin.Replace(':', '_');

    /// <summary>Joins under the store root, refusing anything that would resolve outside it (defence in depth).</summary>
    private string Under(params string[] parts)
    {
        var path = Path.GetFullPath(Path.Combine([_root, .. parts]));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Media path escapes the store");
        }

        return path;
    }
}

/// <summary>A file written under tmp/, waiting to be moved into the store.</summary>
public sealed class StagedFile(string tempPath) : IDisposable
{
    private bool _moved;

    public string TempPath { get; } = tempPath;
    public long Length { get; private set; }
    public byte[] Sha256 { get; private set; } = [];

    internal void Complete(long length, byte[] sha256)
    {
        Length = length;
        Sha256 = sha256;
    }

    /// <summary>Moves the file into place. Without <paramref name="overwrite"/>, an existing file makes this throw <see cref="IOException"/>.</summary>
    public void MoveTo(string path, bool overwrite)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(TempPath, path, overwrite);
        _moved = true;
    }

    public void Dispose()
    {
        if (!_moved) File.Delete(TempPath);
    }
}
