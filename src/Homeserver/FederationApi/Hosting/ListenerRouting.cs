using Matrix.Homeserver.Configuration;
using Microsoft.AspNetCore.Connections;

namespace Matrix.Homeserver.FederationApi.Hosting;

/// <summary>Set on every connection accepted by the federation listener.</summary>
public sealed class FederationListenerFeature
{
    public static readonly FederationListenerFeature Instance = new();

    private FederationListenerFeature()
    {
    }
}

/// <summary>
/// Which routes each listener serves. With a federation listener: federation routes only there (OpenID userinfo on both,
/// <see cref="ClientListenerTooMetadata"/>), everything else
/// (client API, /.well-known) only on the client listener. Without one: all on the client listener (a
/// TLS-terminating proxy in front, like Synapse's combined listener). Federation disabled: no federation routes.
/// A route refused on a listener answers as an unknown one (404 M_UNRECOGNIZED).
/// </summary>
public static class ListenerRouting
{
    /// <summary>Tags the connections of the federation listener (call in its ListenOptions).</summary>
    public static void MarkFederationListener(this Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen) =>
        listen.Use(next => connection =>
        {
            connection.Features.Set(FederationListenerFeature.Instance);
            return next(connection);
        });

    /// <summary>After UseRouting: drops the matched endpoint when this listener must not serve it.</summary>
    public static IApplicationBuilder UseListenerRouting(this IApplicationBuilder app, HomeserverOptions options)
    {
        var separate = options.Listeners.Federation.Url is not null;
        var enabled = options.Federation.Enabled;
        return app.Use((context, next) =>
        {
            if (context.GetEndpoint() is { } endpoint)
            {
                // By path too: routing's own "405 method not allowed" endpoint carries no metadata of ours.
                var isFederationRoute = endpoint.Metadata.GetMetadata<FederationEndpointMetadata>() is not null || IsFederationPath(context.Request.Path);
                var onFederationListener = context.Features.Get<FederationListenerFeature>() is not null;
                var served = isFederationRoute
                    ? (enabled && (!separate || onFederationListener)) || (!onFederationListener && endpoint.Metadata.GetMetadata<ClientListenerTooMetadata>() is not null)
                    : !onFederationListener;
                if (!served) context.SetEndpoint(null);
            }

            return next(context);
        });
    }

    public static bool IsFederationPath(PathString path) =>
        path.StartsWithSegments("/_matrix/federation") || path.StartsWithSegments("/_matrix/key");

    /// <summary>After <see cref="UseListenerRouting"/>: authenticates every federation endpoint not opted out.</summary>
    public static IApplicationBuilder UseFederationAuthentication(this IApplicationBuilder app) =>
        // Not async on the way through: a client's long-poll would otherwise hold one more async frame while it waits.
        app.Use((context, next) =>
            context.GetEndpoint()?.Metadata is { } metadata
            && metadata.GetMetadata<FederationEndpointMetadata>() is not null
            && metadata.GetMetadata<UnauthenticatedFederationMetadata>() is null
                ? AuthenticateThenAsync(context, next)
                : next(context));

    private static async Task AuthenticateThenAsync(HttpContext context, RequestDelegate next)
    {
        var requester = (await Auth.FederationRequester.BindAsync(context))!;
        // The server's turn among its own requests (Auth.OriginRequestLimiter), held until the answer is written.
        using var turn = await context.RequestServices.GetRequiredService<Auth.OriginRequestLimiter>().EnterAsync(requester.Origin, context.RequestAborted);
        await next(context);
    }
}
