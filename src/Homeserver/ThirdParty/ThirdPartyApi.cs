using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.ThirdParty;

/// <summary>
/// Third-party networks (/thirdparty/*) are bridged by application services; this server has none
/// registered, so it knows no protocols, and lookups find nothing.
/// </summary>
public static class ThirdPartyApi
{
    public static IEndpointRouteBuilder MapThirdPartyApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/_matrix/client/v3/thirdparty");
        group.MapGet("/protocols", (Requester _) => Results.Json(new JsonObject()));
        group.MapGet("/protocol/{protocol}", (Requester _, string protocol) => UnknownProtocol(protocol));
        group.MapGet("/location/{protocol}", (Requester _, string protocol) => UnknownProtocol(protocol));
        group.MapGet("/user/{protocol}", (Requester _, string protocol) => UnknownProtocol(protocol));
        group.MapGet("/location", (Requester _, string? alias) => alias is null ? MissingParam("alias") : Results.Json(new JsonArray()));
        group.MapGet("/user", (Requester _, string? userid) => userid is null ? MissingParam("userid") : Results.Json(new JsonArray()));
        return app;
    }

    private static IResult UnknownProtocol(string protocol) => throw MatrixException.NotFound($"Unknown protocol '{protocol}'");

    private static IResult MissingParam(string name) => throw MatrixException.MissingParam($"Missing {name}");
}
