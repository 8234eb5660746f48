using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.ThirdParty;

/// <summary>
/// Third-party networks (/thirdparty/*) are bridged by application services: every question goes to the ASes that
/// declare the protocol (<see cref="AppServiceThirdParty"/>). With none registered, no protocol is known.
/// </summary>
public static class ThirdPartyApi
{
    public static IEndpointRouteBuilder MapThirdPartyApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/_matrix/client/v3/thirdparty");
        group.MapGet("/protocols", async (Requester _, AppServiceThirdParty thirdParty, CancellationToken ct) => Results.Json(await thirdParty.ProtocolsAsync(ct)));
        group.MapGet("/protocol/{protocol}", async (Requester _, string protocol, AppServiceThirdParty thirdParty, CancellationToken ct) =>
            Results.Json(await thirdParty.ProtocolAsync(protocol, ct) ?? throw UnknownProtocol(protocol)));
        group.MapGet("/location/{protocol}", (Requester _, string protocol, HttpRequest request, AppServiceThirdParty thirdParty, CancellationToken ct) =>
            LookupAsync(thirdParty, "location", protocol, request, ct));
        group.MapGet("/user/{protocol}", (Requester _, string protocol, HttpRequest request, AppServiceThirdParty thirdParty, CancellationToken ct) =>
            LookupAsync(thirdParty, "user", protocol, request, ct));
        group.MapGet("/location", (Requester _, string? alias, HttpRequest request, AppServiceThirdParty thirdParty, CancellationToken ct) =>
            alias is null ? throw MissingParam("alias") : LookupAllAsync(thirdParty, "location", request, ct));
        group.MapGet("/user", (Requester _, string? userid, HttpRequest request, AppServiceThirdParty thirdParty, CancellationToken ct) =>
            userid is null ? throw MissingParam("userid") : LookupAllAsync(thirdParty, "user", request, ct));
        return app;
    }

    private static async Task<IResult> LookupAsync(AppServiceThirdParty thirdParty, string kind, string protocol, HttpRequest request, CancellationToken ct)
    {
        if (!thirdParty.IsKnown(protocol)) throw UnknownProtocol(protocol);
        return Results.Json(await thirdParty.LookupAsync(kind, protocol, request.Query, ct));
    }

    private static async Task<IResult> LookupAllAsync(AppServiceThirdParty thirdParty, string kind, HttpRequest request, CancellationToken ct) =>
        Results.Json(await thirdParty.LookupAsync(kind, null, request.Query, ct));

    private static MatrixException UnknownProtocol(string protocol) => MatrixException.NotFound($"Unknown protocol '{protocol}'");

    private static MatrixException MissingParam(string name) => MatrixException.MissingParam($"Missing {name}");
}
