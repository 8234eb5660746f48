using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Identity;
using Matrix.Homeserver.Rooms;

namespace Matrix.Homeserver.Accounts.ThreePids;

/// <summary>
/// Third-party identifiers (email, phone). This server sends no email or SMS, so it validates no
/// 3PIDs itself: an account has none, requests for validation tokens are refused with M_THREEPID_DENIED
/// and adding one fails for want of a validated session. Binding one at an identity server goes through
/// that server's own validated session (<see cref="IdentityServerBindings"/>), and removing or
/// unbinding one unbinds it there.
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
        client.MapPost("/account/3pid/bind", BindAsync).DenyGuests();
        client.MapPost("/account/3pid/delete", UnbindAsync).DenyGuests();
        client.MapPost("/account/3pid/unbind", UnbindAsync).DenyGuests();
        return app;
    }

    private static async Task<IResult> NoValidatedSession(HttpRequest request)
    {
        var body = await JsonBody.ReadObjectAsync(request);
        if (body["sid"] is null) throw MatrixException.MissingParam("Missing sid");
        if (body["client_secret"] is null) throw MatrixException.MissingParam("Missing client_secret");
        throw new MatrixException(400, ErrorCodes.ThreepidAuthFailed, "No validated third-party identifier session has that sid");
    }

    private static async Task<IResult> BindAsync(Requester requester, HttpRequest request, IdentityServerBindings bindings)
    {
        var body = await JsonBody.ReadObjectAsync(request);
        var idServer = JsonBody.RequiredString(body, "id_server");
        IdentityServerClient.BaseOf(idServer);
        await bindings.BindAsync(requester.UserId, idServer, JsonBody.RequiredString(body, "id_access_token"), JsonBody.RequiredString(body, "sid"),
            JsonBody.RequiredString(body, "client_secret"), request.HttpContext.RequestAborted);
        return Results.Json(new JsonObject());
    }

    /// <summary>/delete and /unbind alike: the account holds no 3PIDs, so removing one only unbinds it at identity servers.</summary>
    private static async Task<IResult> UnbindAsync(Requester requester, HttpRequest request, IdentityServerBindings bindings)
    {
        var body = await JsonBody.ReadObjectAsync(request);
        var medium = JsonBody.RequiredString(body, "medium");
        var address = JsonBody.RequiredString(body, "address");
        var idServer = JsonFields.String(body, "id_server");
        if (idServer is not null) IdentityServerClient.BaseOf(idServer);
        var result = await bindings.UnbindAsync(requester.UserId, medium, address, idServer, request.HttpContext.RequestAborted);
        return Results.Json(new JsonObject { ["id_server_unbind_result"] = result });
    }
}
