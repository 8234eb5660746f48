using System.Diagnostics;

namespace Matrix.Homeserver.Operations;

/// <summary>
/// One access-log line per request ("GET /path?query 200 12 ms"), with secrets in the query string redacted. It
/// replaces ASP.NET Core's own request lines, which carry the raw query string (and with it any access_token):
/// <see cref="OperationsSetup"/> keeps that category at Warning. Every line logged while a request runs, this one
/// included, carries the request's scope (RequestId, RequestPath without the query, and the trace ID).
/// </summary>
public static partial class RequestLogging
{
    public const string Category = "Matrix.Homeserver.Requests";

    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        return app.Use(async (context, next) =>
        {
            if (!logger.IsEnabled(LogLevel.Information))
            {
                await next(context);
                return;
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var target = LogRedaction.RedactQuery(context.Request.Path.Value + context.Request.QueryString.Value);
                Log.Request(logger, context.Request.Method, target, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
    }

    private static partial class Log
    {
        [LoggerMessage(LogLevel.Information, "{Method} {Target} {StatusCode} {ElapsedMs:0.0} ms")]
        public static partial void Request(ILogger logger, string method, string target, int statusCode, double elapsedMs);
    }
}
