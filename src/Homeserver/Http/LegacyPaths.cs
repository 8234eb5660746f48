namespace Matrix.Homeserver.Http;

/// <summary>
/// The client and media APIs under their pre-1.1 release name <c>r0</c>, as Synapse still serves them: older clients and
/// bots still call <c>/_matrix/client/r0/…</c>. Each is the v3 endpoint of the same path (the spec
/// renamed r0 to v3 without changing them). Synapse also serves its client endpoints under <c>/unstable/</c>
/// (e.g. <c>/unstable/keys/device_signing/upload</c>, from before cross-signing was released): routed as v3 too, except
/// the MSC-prefixed paths (<c>/unstable/org.matrix.…/</c>), which are routes of their own.
/// </summary>
internal static class LegacyPaths
{
    private const string ClientR0 = "/_matrix/client/r0";
    private const string MediaR0 = "/_matrix/media/r0";
    private const string ClientUnstable = "/_matrix/client/unstable";

    /// <summary>An MSC's own prefix (<c>/unstable/org.matrix.msc3575/…</c>): routed as it is, not as v3.</summary>
    private static bool IsNamespaced(string rest)
    {
        var end = rest.IndexOf('/', 1);
        return rest.AsSpan(1, (end < 0 ? rest.Length : end) - 1).Contains('.');
    }

    /// <summary>Before routing: an r0 path is routed as its v3 twin.</summary>
    public static IApplicationBuilder UseLegacyPaths(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var path = context.Request.Path;
            if (path.StartsWithSegments(ClientR0, StringComparison.Ordinal, out var rest))
            {
                context.Request.Path = new PathString("/_matrix/client/v3").Add(rest);
            }
            else if (path.StartsWithSegments(MediaR0, StringComparison.Ordinal, out rest))
            {
                context.Request.Path = new PathString("/_matrix/media/v3").Add(rest);
            }
            else if (path.StartsWithSegments(ClientUnstable, StringComparison.Ordinal, out rest) && rest.HasValue && !IsNamespaced(rest.Value!))
            {
                context.Request.Path = new PathString("/_matrix/client/v3").Add(rest);
            }

            return next(context);
        });
}
