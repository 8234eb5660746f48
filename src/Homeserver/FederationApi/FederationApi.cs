using System.Reflection;
using System.Text.Json.Nodes;
using Matrix.Homeserver.FederationApi.Hosting;
using Matrix.Homeserver.FederationApi.Keys;

namespace Matrix.Homeserver.FederationApi;

/// <summary>The federation API's own endpoints: version and keys. Feature endpoints map their own federation groups.</summary>
public static class FederationApi
{
    public const string ImplementationName = "Matrix.Homeserver";

    public static readonly string ImplementationVersion =
        typeof(FederationApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static IEndpointRouteBuilder MapFederationApi(this IEndpointRouteBuilder app)
    {
        var federation = app.MapFederationGroup("/_matrix/federation");
        federation.MapGet("/v1/version", () => Results.Json(new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = ImplementationName, ["version"] = ImplementationVersion },
        })).AllowUnauthenticated();
        app.MapKeysApi();
        return app;
    }
}
