namespace Matrix.Homeserver.FederationApi.Hosting;

/// <summary>Marks an endpoint as part of the federation API (/_matrix/federation, /_matrix/key).</summary>
public sealed class FederationEndpointMetadata
{
    public static readonly FederationEndpointMetadata Instance = new();

    private FederationEndpointMetadata()
    {
    }
}

public static class FederationRoutes
{
    /// <summary>
    /// A route group for federation endpoints: served on the federation listener when there is one, never when
    /// Homeserver:Federation:Enabled is false. Every federation endpoint must be mapped through this.
    /// </summary>
    public static RouteGroupBuilder MapFederationGroup(this IEndpointRouteBuilder app, string prefix) =>
        (RouteGroupBuilder)app.MapGroup(prefix).WithMetadata(FederationEndpointMetadata.Instance);
}
