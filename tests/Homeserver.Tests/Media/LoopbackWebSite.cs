using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SkiaSharp;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Media;

/// <summary>Test fixture: a small web site on 127.0.0.1 for the URL previewer to fetch.</summary>
public sealed class LoopbackWebSite : IAsyncDisposable
{
    public static readonly byte[] Image = TestImages.Make(120, 60, SKEncodedImageFormat.Png);

    private readonly LoopbackApp _app;

    private LoopbackWebSite(LoopbackApp app) => _app = app;

    public int Port => _app.Port;

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public static async Task<LoopbackWebSite> StartAsync()
    {
        return new LoopbackWebSite(await LoopbackApp.StartAsync(Map));
    }

    private static void Map(WebApplication app)
    {
        app.MapGet("/page", () => Results.Content(
            """
            <!DOCTYPE html><html><head>
            <title>Ignored when og:title exists</title>
            <meta property="og:title" content="Matrix &amp; Friends">
            <meta property='og:description' content='A "quoted" description'>
            <META PROPERTY=og:site_name CONTENT=Example>
            <meta property="og:image" content="/image.png">
            <meta property="og:image:width" content="9999">
            </head><body>hello</body></html>
            """, "text/html; charset=utf-8"));
        app.MapGet("/plain", () => Results.Content(
            "<html><head><title>Just a title</title><meta name=\"description\" content=\"Plain page\"></head></html>", "text/html"));
        app.MapGet("/image.png", () => Results.Bytes(Image, "image/png"));
        app.MapGet("/text", () => Results.Text("not html", "text/plain"));
        app.MapGet("/big", () => Results.Content("<title>Big</title>" + new string('x', 3_000_000), "text/html"));
        app.MapGet("/missing", () => Results.NotFound());
        app.MapGet("/slow", async (CancellationToken cancellationToken) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
            return Results.Text("late");
        });
        app.MapGet("/redirect", () => Results.Redirect("/page"));
        app.MapGet("/loop", () => Results.Redirect("/loop"));
        app.MapGet("/to-blocked", (HttpContext c) => Results.Redirect($"http://127.0.0.2:{c.Connection.LocalPort}/page"));
        app.MapGet("/to-mapped", (HttpContext c) => Results.Redirect($"http://[::ffff:127.0.0.1]:{c.Connection.LocalPort}/page"));
        app.MapGet("/to-file", () => Results.Redirect("file:///etc/passwd"));
        app.MapGet("/blocked-image", (HttpContext c) => Results.Content(
            $"<meta property=\"og:title\" content=\"T\"><meta property=\"og:image\" content=\"http://127.0.0.2:{c.Connection.LocalPort}/image.png\">", "text/html"));
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
