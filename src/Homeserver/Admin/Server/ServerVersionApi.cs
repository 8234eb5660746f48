using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Admin.Server;

/// <summary>GET /_synapse/admin/v1/server_version: the implementation's version (Synapse answers its own; admin tools show it).</summary>
public static class ServerVersionApi
{
    public static IEndpointRouteBuilder MapServerVersionApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_synapse/admin/v1/server_version", (Requester _) => Results.Json(new JsonObject
        {
            ["server_version"] = $"{FederationApi.FederationApi.ImplementationName} {FederationApi.FederationApi.ImplementationVersion}",
        })).RequireAdmin();
        return app;
    }
}
