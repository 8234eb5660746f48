using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.FederationApi.Events;

/// <summary>Query parameters of the federation event endpoints, with the spec's errors when absent or malformed.</summary>
public static class FederationQuery
{
    public static string Required(string? value, string name) =>
        string.IsNullOrEmpty(value) ? throw MatrixException.MissingParam($"Missing {name} parameter") : value;

    public static long Integer(string? value, string name) =>
        long.TryParse(Required(value, name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw MatrixException.InvalidParam($"{name} must be an integer");

    /// <summary>A transaction-shaped answer (/event, /backfill): origin, origin_server_ts and the PDUs.</summary>
    public static JsonObject PduTransaction(string origin, TimeProvider time, IEnumerable<JsonObject> pdus) => new()
    {
        ["origin"] = origin,
        ["origin_server_ts"] = time.GetUtcNow().ToUnixTimeMilliseconds(),
        ["pdus"] = new JsonArray([.. pdus]),
    };
}
