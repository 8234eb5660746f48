using Matrix.Homeserver.Accounts.Filters;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Sync;

/// <summary>GET /_matrix/client/v3/sync (spec: "Syncing").</summary>
public static class SyncApi
{
    public static IEndpointRouteBuilder MapSyncApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_matrix/client/v3/sync", SyncAsync);
        return app;
    }

    private static async Task<IResult> SyncAsync(Requester requester, [AsParameters] SyncParameters parameters, IMediator mediator, CancellationToken cancellationToken) =>
        new SyncAnswerResult(await mediator.Send(new SyncQuery(requester, parameters.Parse()), cancellationToken));
}

/// <summary>One /sync request of an authenticated device.</summary>
public sealed record SyncQuery(Requester Requester, SyncRequest Request) : IQuery<SyncAnswer>;

internal sealed class SyncQueryHandler(SyncService sync, FilterService filters) : IQueryHandler<SyncQuery, SyncAnswer>
{
    public async ValueTask<SyncAnswer> Handle(SyncQuery query, CancellationToken cancellationToken)
    {
        var filter = await filters.ResolveAsync(query.Requester.UserId, query.Request.Filter, cancellationToken);
        return await sync.SyncAsync(query.Requester, query.Request, filter, cancellationToken);
    }
}
