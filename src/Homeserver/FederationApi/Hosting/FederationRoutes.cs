namespace Matrix.Homeserver.FederationApi.Hosting;

/// <summary>Marks an endpoint as part of the federation API (/_matrix/federation, /_matrix/key).</summary>
public sealed class FederationEndpointMetadata
{
    public static readonly FederationEndpointMetadata Instance = new();

    private FederationEndpointMetadata()
    {
    }
}

/// <summary>Marks a federation endpoint that needs no X-Matrix authentication (version, keys).</summary>
public sealed class UnauthenticatedFederationMetadata
{
    public static readonly UnauthenticatedFederationMetadata Instance = new();

    private UnauthenticatedFederationMetadata()
    {
    }
}
/// <summary>
/// Marks a federation endpoint also served on the client listener: OpenID userinfo, which third parties (widgets,
/// integration managers) ask at the client address too, as Synapse serves it there.
/// </summary>
public sealed class ClientListenerTooMetadata
{
    public static readonly ClientListenerTooMetadata Instance = new();

    private ClientListenerTooMetadata()
    {
    }
}

public static class FederationRoutes
{
    /// <summary>
    /// A route group for federation endpoints: served on the federation listener when there is one, never when
    /// Homeserver:Federation:Enabled is false, and X-Matrix authenticated before the handler runs (take a
    /// <see cref="Auth.FederationRequester"/> parameter to know the origin). Every federation endpoint must be
    /// mapped through this, so none can forget authentication.
    /// </summary>
    public static RouteGroupBuilder MapFederationGroup(this IEndpointRouteBuilder app, string prefix) =>
        (RouteGroupBuilder)app.MapGroup(prefix).WithMetadata(FederationEndpointMetadata.Instance);

    /// <summary>Opts endpoints out of X-Matrix authentication: only for what the spec leaves open (version, keys).</summary>
    public static TBuilder AllowUnauthenticated<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(UnauthenticatedFederationMetadata.Instance);

    /// <summary>Serves a federation endpoint on the client listener as well (see <see cref="ClientListenerTooMetadata"/>).</summary>
    public static TBuilder AlsoOnClientListener<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ClientListenerTooMetadata.Instance);
}
