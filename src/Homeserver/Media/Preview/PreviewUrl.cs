using System.Text.Json.Nodes;
using Mediator;

namespace Matrix.Homeserver.Media.Preview;

/// <summary>GET /media/preview_url: the OpenGraph data of a URL (ts is accepted; the newest preview is always answered).</summary>
public sealed record PreviewUrl(string Url, string RequesterUserId) : IQuery<JsonObject>;

public sealed class PreviewUrlHandler(UrlPreviewService previews) : IQueryHandler<PreviewUrl, JsonObject>
{
    public async ValueTask<JsonObject> Handle(PreviewUrl query, CancellationToken cancellationToken) =>
        await previews.PreviewAsync(query.Url, query.RequesterUserId, cancellationToken);
}
