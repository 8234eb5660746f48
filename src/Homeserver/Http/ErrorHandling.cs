using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace Matrix.Homeserver.Http;

/// <summary>Turns every failure into the spec's JSON error shape, and unknown routes into M_UNRECOGNIZED.</summary>
public static class ErrorHandling
{
    public static IApplicationBuilder UseMatrixErrors(this IApplicationBuilder app)
    {
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (MatrixException e) when (!context.Response.HasStarted)
            {
                await WriteErrorAsync(context, e.StatusCode, e.ToJson());
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                // Kestrel's own limits (body too large) and malformed requests.
                var (status, code) = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? (413, ErrorCodes.TooLarge)
                    : (400, ErrorCodes.Unknown);
                await WriteErrorAsync(context, status, Error(code, e.Message));
            }
            catch (JsonException) when (!context.Response.HasStarted)
            {
                await WriteErrorAsync(context, 400, Error(ErrorCodes.NotJson, "Content not JSON."));
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nothing to answer.
            }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Matrix.Homeserver.Errors");
                logger.LogError(e, "Unhandled error on {Method} {Route}", context.Request.Method, RouteLabel(context));
                await WriteErrorAsync(context, 500, Error(ErrorCodes.Unknown, "Internal server error"));
            }
        });

        // Unknown paths under /_matrix/ and wrong methods on known ones get the spec's JSON answer.
        app.UseStatusCodePages(async status =>
        {
            var context = status.HttpContext;
            if (!IsMatrixPath(context.Request.Path)) return;
            var code = context.Response.StatusCode;
            if (code is 404 or 405)
            {
                await WriteErrorAsync(context, code, Error(ErrorCodes.Unrecognized, "Unrecognized request"));
            }
        });
        return app;
    }

    public static bool IsMatrixPath(PathString path) =>
        path.StartsWithSegments("/_matrix") || path.StartsWithSegments("/_synapse");

    public static JsonObject Error(string errCode, string message) => new() { ["errcode"] = errCode, ["error"] = message };

    public static async Task WriteErrorAsync(HttpContext context, int status, JsonObject body)
    {
        // With its length, in one write, as BufferedResponses sends the endpoints' answers (this runs outside it).
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        await context.Response.BodyWriter.WriteAsync(bytes, context.RequestAborted);
    }

    /// <summary>The route template (never the raw path, which may hold IDs) for logs.</summary>
    private static string RouteLabel(HttpContext context) =>
        (context.Features.Get<IEndpointFeature>()?.Endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
}
