using System.Diagnostics;
using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Rooms.Directory;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// Client endpoints only application services use: POST /v1/appservice/{appserviceId}/ping and
/// PUT /v3/directory/list/appservice/{networkId}/{roomId}.
/// </summary>
public static class AppServicesApi
{
    /// <summary>How long a ping waits for the AS before answering M_CONNECTION_TIMEOUT.</summary>
    public static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapAppServicesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/_matrix/client/v1/appservice/{appserviceId}/ping", PingAsync);
        app.MapPut("/_matrix/client/v3/directory/list/appservice/{networkId}/{roomId}", SetNetworkVisibilityAsync);
        return app;
    }

    /// <summary>The AS checks that we reach it: we call its /ping with the transaction ID and say how long that took.</summary>
    private static async Task<IResult> PingAsync(Requester requester, string appserviceId, HttpRequest http, AppServiceRegistry registry, AppServiceClient client,
        CancellationToken cancellationToken)
    {
        var json = await JsonBody.ReadObjectAsync(http, emptyIsObject: true);
        var appService = registry.ById(appserviceId) ?? throw MatrixException.NotFound("Unknown application service");
        if (requester.AppServiceId != appService.Id) throw MatrixException.Forbidden("The access token does not belong to this application service");
        if (appService.Url is null) throw new MatrixException(400, ErrorCodes.UrlNotSet, "The application service has no URL");
        var body = new JsonObject();
        if (json["transaction_id"] is { } txn)
        {
            body["transaction_id"] = txn is JsonValue v && v.TryGetValue<string>(out var id) ? id : throw MatrixException.BadJson("transaction_id must be a string");
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await client.PostAsync(appService, "/_matrix/app/v1/ping", body, cancellationToken, PingTimeout);
        }
        catch (AppServiceCallException e)
        {
            throw e.Failure switch
            {
                AppServiceFailure.Timeout => new MatrixException(504, ErrorCodes.ConnectionTimeout, "The application service did not answer in time"),
                AppServiceFailure.ConnectionFailed => new MatrixException(502, ErrorCodes.ConnectionFailed, "The application service could not be reached"),
                _ => new MatrixException(502, ErrorCodes.BadStatus, $"The application service answered {e.Status}",
                    new JsonObject { ["status"] = e.Status, ["body"] = e.Body?.ToJsonString() ?? "" }),
            };
        }

        return Results.Json(new JsonObject { ["duration_ms"] = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds });
    }

    /// <summary>An AS publishes (or withdraws) a room in its third-party network's directory (spec: "Room directory" of the AS extensions).</summary>
    private static async Task<IResult> SetNetworkVisibilityAsync(Requester requester, string networkId, string roomId, HttpRequest http,
        IValidator<DirectoryApi.VisibilityBody> validator, HomeserverDbContext db, CancellationToken cancellationToken)
    {
        var appServiceId = requester.AppServiceId ?? throw MatrixException.Forbidden("Only application services may publish rooms in a network's directory");
        var room = RequestIds.RoomId(roomId);
        var body = await JsonBody.ReadAsync(http, validator, emptyIsObject: true);
        if (!await db.Rooms.AnyAsync(r => r.RoomId == room, cancellationToken)) throw MatrixException.NotFound("Unknown room");
        var entries = db.Set<AppServiceRoomListEntry>().Where(e => e.AppServiceId == appServiceId && e.NetworkId == networkId && e.RoomId == room);
        if (body.Visibility == "private")
        {
            await entries.ExecuteDeleteAsync(cancellationToken);
        }
        else if (!await entries.AnyAsync(cancellationToken))
        {
            db.Add(new AppServiceRoomListEntry { AppServiceId = appServiceId, NetworkId = networkId, RoomId = room });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // The same publication made at once by another request: it is there, which is what was asked.
            }
        }

        return Results.Json(new JsonObject());
    }
}
