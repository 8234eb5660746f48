using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.Keys.DeviceLists;

/// <summary>GET /keys/changes?from=&amp;to=: sync tokens (or room stream tokens) bounding the window.</summary>
public sealed record KeysChangesQuery(Requester Requester, string? From, string? To) : IQuery<JsonObject>;

public sealed class KeysChangesHandler(HomeserverDbContext db) : IQueryHandler<KeysChangesQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(KeysChangesQuery query, CancellationToken cancellationToken)
    {
        var from = Position(query.From, "from");
        var to = Position(query.To, "to");
        var delta = await DeviceListChangesReader.ReadAsync(db, query.Requester.UserId, from, Math.Max(from, to), cancellationToken);
        return new JsonObject
        {
            ["changed"] = new JsonArray([.. delta.Changed.Order(StringComparer.Ordinal).Select(u => JsonValue.Create(u))]),
            ["left"] = new JsonArray([.. delta.Left.Order(StringComparer.Ordinal).Select(u => JsonValue.Create(u))]),
        };
    }

    private static long Position(string? token, string name)
    {
        if (token is null) throw MatrixException.MissingParam($"{name} is required");
        return RoomStreamToken.TryParse(token, out var parsed) && parsed.Position >= 0
            ? parsed.Position
            : throw MatrixException.InvalidParam($"{name} is not a valid token");
    }
}
