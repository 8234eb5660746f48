using System.Collections.Concurrent;
using System.Text.Json;
using Matrix.Homeserver.Configuration;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Matrix.Homeserver.Hosting;

/// <summary>
/// The route table as data: listed by `--list-routes`, and each matched route recorded to a file when
/// Homeserver:Diagnostics:RouteHitsFile is set (the spec coverage report reads both).
/// </summary>
public static class RouteDiagnostics
{
    public static IEnumerable<(string Method, string Path)> ListRoutes(IEnumerable<EndpointDataSource> sources) =>
        from source in sources
        from endpoint in source.Endpoints.OfType<RouteEndpoint>()
        let methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]
        from method in methods
        let path = "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(Segment))
        orderby path, method
        select (method, path);

    public static string ToJson(IEnumerable<(string Method, string Path)> routes) =>
        JsonSerializer.Serialize(routes.Select(r => new Dictionary<string, string> { ["method"] = r.Method, ["path"] = r.Path }));

    private static string Segment(RoutePatternPathSegment segment) => string.Concat(segment.Parts.Select(part => part switch
    {
        RoutePatternLiteralPart l => l.Content,
        RoutePatternParameterPart p => "{" + p.Name + "}",
        RoutePatternSeparatorPart s => s.Content,
        _ => "",
    }));

    /// <summary>Appends "METHOD /pattern" once per distinct matched route.</summary>
    public static IApplicationBuilder UseRouteHitRecording(this IApplicationBuilder app, DiagnosticsOptions options)
    {
        if (options.RouteHitsFile is not { Length: > 0 } file) return app;
        var seen = new ConcurrentDictionary<string, bool>();
        var gate = new Lock();
        return app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            finally
            {
                // Also when the handler threw (a MatrixException answered by the error middleware
                // further out): an endpoint tested only for its errors is still tested.
                if (context.GetEndpoint() is RouteEndpoint endpoint)
                {
                    var line = $"{context.Request.Method} /{string.Join('/', endpoint.RoutePattern.PathSegments.Select(Segment))}";
                    if (seen.TryAdd(line, true))
                    {
                        lock (gate) File.AppendAllText(file, line + "\n");
                    }
                }
            }
        });
    }
}
