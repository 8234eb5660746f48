using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Http;

/// <summary>
/// An error answered to the client as {"errcode", "error", ...extra} with an HTTP status.
/// Services throw it; the error middleware writes it.
/// </summary>
public class MatrixException(int statusCode, string errCode, string message, JsonObject? extra = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    public string ErrCode { get; } = errCode;

    /// <summary>Additional top-level fields (e.g. retry_after_ms, soft_logout, UIA flows).</summary>
    public JsonObject? Extra { get; } = extra;

    public virtual JsonObject ToJson()
    {
        var body = new JsonObject { ["errcode"] = ErrCode, ["error"] = Message };
        if (Extra is not null)
        {
            foreach (var (key, value) in Extra) body[key] = value?.DeepClone();
        }

        return body;
    }

    public static MatrixException BadJson(string message) => new(400, ErrorCodes.BadJson, message);
    public static MatrixException NotJson(string message = "Content not JSON.") => new(400, ErrorCodes.NotJson, message);
    public static MatrixException MissingParam(string message) => new(400, ErrorCodes.MissingParam, message);
    public static MatrixException InvalidParam(string message) => new(400, ErrorCodes.InvalidParam, message);
    public static MatrixException Forbidden(string message) => new(403, ErrorCodes.Forbidden, message);
    public static MatrixException NotFound(string message) => new(404, ErrorCodes.NotFound, message);
    public static MatrixException Unrecognized(string message = "Unrecognized request") => new(404, ErrorCodes.Unrecognized, message);
    public static MatrixException TooLarge(string message) => new(413, ErrorCodes.TooLarge, message);

    public static MatrixException LimitExceeded(long retryAfterMs) =>
        new(429, ErrorCodes.LimitExceeded, "Too many requests", new JsonObject { ["retry_after_ms"] = retryAfterMs });
}
