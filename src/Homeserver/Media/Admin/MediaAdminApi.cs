using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Media.Admin;

/// <summary>Synapse-compatible admin endpoints for media (usable with synadm and the Synapse admin UI).</summary>
public static class MediaAdminApi
{
    public static IEndpointRouteBuilder MapMediaAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/_synapse/admin/v1/media");
        group.MapDelete("/{serverName}/{mediaId}", async (Requester requester, string serverName, string mediaId, IMediator mediator, CancellationToken cancellationToken) =>
        {
            var key = MediaKey.FromRequest(serverName, mediaId);
            await mediator.Send(new DeleteMedia(requester, key), cancellationToken);
            return Results.Json(new JsonObject { ["deleted_media"] = new JsonArray(key.MediaId), ["total"] = 1 });
        });
        group.MapPost("/quarantine/{serverName}/{mediaId}", (Requester requester, string serverName, string mediaId, IMediator mediator, CancellationToken cancellationToken) =>
            Quarantine(requester, serverName, mediaId, quarantined: true, mediator, cancellationToken));
        group.MapPost("/unquarantine/{serverName}/{mediaId}", (Requester requester, string serverName, string mediaId, IMediator mediator, CancellationToken cancellationToken) =>
            Quarantine(requester, serverName, mediaId, quarantined: false, mediator, cancellationToken));
        return app;
    }

    private static async Task<IResult> Quarantine(Requester requester, string serverName, string mediaId, bool quarantined, IMediator mediator, CancellationToken cancellationToken)
    {
        await mediator.Send(new SetMediaQuarantine(requester, MediaKey.FromRequest(serverName, mediaId), quarantined), cancellationToken);
        return Results.Json(new JsonObject());
    }
}
