using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Media.Preview;

/// <summary>GET /media/preview_url: the OpenGraph data of a URL (ts is accepted; the newest preview is always answered).</summary>
public sealed record PreviewUrl(string Url, Requester Requester) : IQuery<JsonObject>;

public sealed class PreviewUrlHandler(UrlPreviewService previews) : IQueryHandler<PreviewUrl, JsonObject>
{
    public async ValueTask<JsonObject> Handle(PreviewUrl query, CancellationToken cancellationToken)
    {
        // A preview stores its image as media of the requester.
        GuestAccess.RefuseGuest(query.Requester);
        return await previews.PreviewAsync(query.Url, query.Requester.UserId, cancellationToken);
    }
}
