using System.Globalization;
using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Homeserver.Sync.Sliding;

/// <summary>POST /_matrix/client/unstable/org.matrix.simplified_msc3575/sync (MSC4186, as Synapse serves it for Element X).</summary>
public static class SlidingSyncApi
{
    public const string Path = "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync";

    /// <summary>The unstable feature flag clients look for in /versions.</summary>
    public const string UnstableFeature = "org.matrix.simplified_msc3575";

    public static IEndpointRouteBuilder MapSlidingSyncApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, SyncAsync);
        return app;
    }

    private static async Task<IResult> SyncAsync(Requester requester, HttpRequest http, [FromQuery(Name = "pos")] string? pos, [FromQuery(Name = "timeout")] string? timeout,
        IValidator<SlidingSyncRequest> validator, IMediator mediator, CancellationToken cancellationToken)
    {
        var timeoutMs = timeout is null ? 0
            : long.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? ms
            : throw MatrixException.InvalidParam("timeout must be a non-negative integer");
        var body = await JsonBody.ReadAsync(http, validator, emptyIsObject: true);
        return Results.Json(await mediator.Send(new SlidingSyncQuery(requester, body, string.IsNullOrEmpty(pos) ? null : pos, timeoutMs), cancellationToken));
    }
}

/// <summary>One sliding sync request of an authenticated device.</summary>
public sealed record SlidingSyncQuery(Requester Requester, SlidingSyncRequest Request, string? Pos, long TimeoutMs) : IQuery<JsonObject>;

internal sealed class SlidingSyncQueryHandler(SlidingSyncService sync) : IQueryHandler<SlidingSyncQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(SlidingSyncQuery query, CancellationToken cancellationToken) =>
        await sync.SyncAsync(query.Requester, query.Request, query.Pos, query.TimeoutMs, cancellationToken);
}
