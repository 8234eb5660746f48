using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Accounts.Uia;

/// <summary>The auth types (stages) this server implements.</summary>
public static class UiaStageTypes
{
    public const string Dummy = "m.login.dummy";
    public const string Password = "m.login.password";
    public const string RegistrationToken = "m.login.registration_token";
}

/// <summary>One way to authenticate: stages completed in this order.</summary>
public sealed record UiaFlow(params IReadOnlyList<string> Stages)
{
    public JsonObject ToJson() => new() { ["stages"] = new JsonArray([.. Stages.Select(s => (JsonNode)s)]) };
}

/// <summary>
/// The request being authorised: its method and path (a session serves only the operation that
/// started it), the client's auth dict, and the signed-in caller if any.
/// </summary>
public sealed record UiaRequest(string Method, string Path, JsonObject? Auth, Requester? Requester, string ClientAddress)
{
    public static UiaRequest From(HttpRequest request, JsonObject? auth, Requester? requester) =>
        new(request.Method, request.Path.Value ?? "", auth, requester, RateLimitEndpoints.ClientAddress(request.HttpContext));
}

/// <summary>A completed authentication: the session and what each completed stage established.</summary>
public sealed record UiaResult(string SessionId, IReadOnlyDictionary<string, string?> Completed)
{
    /// <summary>The session's operation ran before (<see cref="UserInteractiveAuth.FinishAsync"/>): this is a retry.</summary>
    public bool Finished { get; init; }

    /// <summary>The user the m.login.password stage authenticated, if it was part of the flow.</summary>
    public string? PasswordUser => Completed.GetValueOrDefault(UiaStageTypes.Password);

    /// <summary>The registration token the m.login.registration_token stage accepted, if any.</summary>
    public string? RegistrationToken => Completed.GetValueOrDefault(UiaStageTypes.RegistrationToken);
}

/// <summary>
/// The spec's 401 answer: flows, params, session, the stages completed so far, and the errcode/error
/// of a failed stage attempt (absent when nothing failed).
/// </summary>
public sealed class UiaRequiredException(string sessionId, IReadOnlyList<UiaFlow> flows, IReadOnlyCollection<string> completed, string? failedCode = null, string? failure = null)
    : MatrixException(401, failedCode ?? ErrorCodes.Unauthorized, failure ?? "Additional authentication is required")
{
    public string SessionId { get; } = sessionId;

    public override JsonObject ToJson()
    {
        var body = new JsonObject
        {
            ["session"] = SessionId,
            ["flows"] = new JsonArray([.. flows.Select(f => (JsonNode)f.ToJson())]),
            ["params"] = new JsonObject(),
        };
        if (completed.Count > 0 || failedCode is not null) body["completed"] = new JsonArray([.. completed.Select(c => (JsonNode)c)]);
        if (failedCode is not null)
        {
            body["errcode"] = failedCode;
            body["error"] = failure;
        }

        return body;
    }
}

/// <summary>A stage attempt failed; the client may try again in the same session.</summary>
public sealed class UiaStageException(string errCode, string message) : Exception(message)
{
    public string ErrCode { get; } = errCode;
}
