namespace Matrix.Homeserver.Http;

/// <summary>
/// Kestrel decodes a request path except <c>%2F</c>, so that an escaped slash cannot split a segment; a route value keeps
/// it escaped. Room version 3 event IDs contain "/" (standard base64), and clients and servers send them escaped in paths
/// (<c>/rooms/{roomId}/event/$abc%2Fdef</c>, <c>/federation/v2/invite/{roomId}/{eventId}</c>): once routing has split the
/// path, the route values are decoded the rest of the way.
/// </summary>
internal static class EscapedSlashes
{
    /// <summary>After routing: <c>%2F</c> in a route value becomes "/".</summary>
    public static IApplicationBuilder UseEscapedSlashes(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var values = context.Request.RouteValues;
            List<KeyValuePair<string, object?>>? escaped = null;
            foreach (var pair in values)
            {
                if (pair.Value is string text && text.Contains("%2F", StringComparison.OrdinalIgnoreCase)) (escaped ??= []).Add(pair);
            }

            foreach (var (key, value) in escaped ?? []) values[key] = ((string)value!).Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

            return next(context);
        });
}
