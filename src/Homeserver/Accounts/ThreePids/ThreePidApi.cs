using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Accounts.ThreePids;

/// <summary>
/// Third-party identifiers (email, phone). This server sends no email or SMS, so it validates no
/// 3PIDs: an account has none, requests for validation tokens are refused with M_THREEPID_DENIED,
/// adding or binding one fails for want of a validated session, and removing one finds nothing to
/// remove. Clients (Element's settings) read the empty list and hide the feature.
/// </summary>
public static class ThreePidApi
{
    private static readonly string[] TokenRequests =
    [
        "/register/email/requestToken", "/register/msisdn/requestToken",
        "/account/password/email/requestToken", "/account/password/msisdn/requestToken",
        "/account/3pid/email/requestToken", "/account/3pid/msisdn/requestToken",
    ];

    public static IEndpointRouteBuilder MapThreePidApi(this IEndpointRouteBuilder app)
    {
        var client = app.MapGroup("/_matrix/client/v3");
        foreach (var path in TokenRequests)
        {
            client.MapPost(path, async (HttpRequest request) =>
            {
                await JsonBody.ReadObjectAsync(request);
                throw new MatrixException(400, ErrorCodes.ThreepidDenied, "This server does not validate third-party identifiers");
            });
        }

        client.MapGet("/account/3pid", (Requester _) => Results.Json(new JsonObject { ["threepids"] = new JsonArray() }));
        client.MapPost("/account/3pid/add", (Requester _, HttpRequest request) => NoValidatedSession(request));
        client.MapPost("/account/3pid/bind", (Requester _, HttpRequest request) => NoValidatedSession(request));
        client.MapPost("/account/3pid/delete", (Requester _, HttpRequest request) => NothingToRemove(request));
        client.MapPost("/account/3pid/unbind", (Requester _, HttpRequest request) => NothingToRemove(request));
        return app;
    }

    private static async Task<IResult> NoValidatedSession(HttpRequest request)
    {
        var body = await JsonBody.ReadObjectAsync(request);
        if (body["sid"] is null) throw MatrixException.MissingParam("Missing sid");
        if (body["client_secret"] is null) throw MatrixException.MissingParam("Missing client_secret");
        throw new MatrixException(400, ErrorCodes.ThreepidAuthFailed, "No validated third-party identifier session has that sid");
    }

    private static async Task<IResult> NothingToRemove(HttpRequest request)
    {
        var body = await JsonBody.ReadObjectAsync(request);
        if (body["medium"] is null) throw MatrixException.MissingParam("Missing medium");
        if (body["address"] is null) throw MatrixException.MissingParam("Missing address");
        return Results.Json(new JsonObject { ["id_server_unbind_result"] = "no-support" });
    }
}
