using Matrix.Homeserver.Media.Thumbnails;
using Mediator;

namespace Matrix.Homeserver.Media.Downloads;

/// <summary>The stored content behind an mxc:// URI.</summary>
public sealed record GetMedia(MediaKey Key, MediaAccess Access) : IQuery<MediaContent>;

/// <summary>A thumbnail of it (or the original when that is already small enough).</summary>
public sealed record GetThumbnail(MediaKey Key, MediaAccess Access, ThumbnailRequest Request) : IQuery<MediaContent>;

public sealed class GetMediaHandler(MediaLocator locator) : IQueryHandler<GetMedia, MediaContent>
{
    public async ValueTask<MediaContent> Handle(GetMedia query, CancellationToken cancellationToken) =>
        await locator.FindAsync(query.Key, query.Access, cancellationToken);
}

public sealed class GetThumbnailHandler(MediaLocator locator, ThumbnailService thumbnails) : IQueryHandler<GetThumbnail, MediaContent>
{
    public async ValueTask<MediaContent> Handle(GetThumbnail query, CancellationToken cancellationToken)
    {
        var original = await locator.FindAsync(query.Key, query.Access, cancellationToken);
        return await thumbnails.GetAsync(query.Key, original, query.Request, cancellationToken);
    }
}
