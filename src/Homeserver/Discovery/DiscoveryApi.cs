using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.Discovery;

/// <summary>What a client or server asks first: versions, .well-known, and health.</summary>
public static class DiscoveryApi
{
    /// <summary>
    /// The Client-Server API versions served, up to the spec this server is built against (v1.19): every module of them
    /// but the optional ones a homeserver may leave out (identity-server 3PIDs, SSO, the OAuth 2.0 API; docs/spec-coverage.md).
    /// </summary>
    public static readonly string[] ClientVersions =
        ["v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11", "v1.12", "v1.13", "v1.14", "v1.15", "v1.16", "v1.17", "v1.18", "v1.19"];

    public static IEndpointRouteBuilder MapDiscoveryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_matrix/client/versions", () => Results.Json(new JsonObject
        {
            ["versions"] = new JsonArray([.. ClientVersions.Select(v => (JsonNode)v)]),
            ["unstable_features"] = new JsonObject { [Sync.Sliding.SlidingSyncApi.UnstableFeature] = true },
        }));

        app.MapGet("/.well-known/matrix/client", (HomeserverOptions options) => Results.Json(new JsonObject
        {
            ["m.homeserver"] = new JsonObject { ["base_url"] = options.PublicBaseUrl ?? options.Listeners.Client.Url },
        }));

        // Delegation is published only when a federation listener is configured; otherwise other
        // servers fall back to SRV records and port 8448 (a reverse proxy's job).
        app.MapGet("/.well-known/matrix/server", (HomeserverOptions options) => options.Listeners.Federation.Url is { } url && options.Federation.Enabled
            ? Results.Json(new JsonObject { ["m.server"] = FederationAuthority(options.ServerName, new Uri(url)) })
            : Results.Json(new JsonObject { ["errcode"] = "M_NOT_FOUND", ["error"] = "No delegation configured" }, statusCode: 404));

        app.MapGet("/.well-known/matrix/support", (HomeserverOptions options) => SupportInformation(options.Support) is { } support
            ? Results.Json(support)
            : Results.Json(new JsonObject { ["errcode"] = "M_NOT_FOUND", ["error"] = "No support information configured" }, statusCode: 404));

        app.MapGet("/health", () => Results.Text("OK"));
        return app;
    }

    /// <summary>The configured contacts and support page, or null when neither is set (the spec's 404).</summary>
    private static JsonObject? SupportInformation(SupportOptions support)
    {
        if (support.Contacts.Count == 0 && support.SupportPage is null) return null;
        var result = new JsonObject();
        if (support.Contacts.Count > 0)
        {
            result["contacts"] = new JsonArray([.. support.Contacts.Select(c =>
            {
                var contact = new JsonObject { ["role"] = c.Role };
                if (c.MatrixId is not null) contact["matrix_id"] = c.MatrixId;
                if (c.EmailAddress is not null) contact["email_address"] = c.EmailAddress;
                return (JsonNode)contact;
            })]);
        }

        if (support.SupportPage is not null) result["support_page"] = support.SupportPage;
        return result;
    }

    /// <summary>host:port where other servers reach our federation API.</summary>
    private static string FederationAuthority(string serverName, Uri listener)
    {
        var host = listener.Host is "0.0.0.0" or "[::]" or "::" ? HostOf(serverName) : listener.Host;
        return $"{host}:{listener.Port}";
    }

    private static string HostOf(string serverName)
    {
        if (serverName.StartsWith('[')) return serverName[..(serverName.IndexOf(']', StringComparison.Ordinal) + 1)];
        var colon = serverName.LastIndexOf(':');
        return colon < 0 ? serverName : serverName[..colon];
    }
}
