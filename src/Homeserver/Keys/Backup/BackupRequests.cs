using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Keys.Backup;

/// <summary>POST /room_keys/version.</summary>
public sealed record CreateBackupVersion(Requester Requester, string Algorithm, JsonNode AuthData) : ICommand<JsonObject>;

/// <summary>GET /room_keys/version[/{version}]: null version = the current one.</summary>
public sealed record GetBackupVersion(Requester Requester, string? Version) : IQuery<JsonObject>;

/// <summary>PUT /room_keys/version/{version}.</summary>
public sealed record UpdateBackupVersion(Requester Requester, string Version, string Algorithm, JsonNode AuthData, string? BodyVersion) : ICommand<JsonObject>;

/// <summary>DELETE /room_keys/version/{version}.</summary>
public sealed record DeleteBackupVersion(Requester Requester, string Version) : ICommand<JsonObject>;

/// <summary>PUT /room_keys/keys[/{roomId}[/{sessionId}]], normalized to {room ID: {session ID: key data}}.</summary>
public sealed record PutRoomKeys(Requester Requester, string? Version, Dictionary<string, Dictionary<string, RoomKeyData>> Rooms) : ICommand<JsonObject>;

/// <summary>GET /room_keys/keys[/{roomId}[/{sessionId}]].</summary>
public sealed record GetRoomKeys(Requester Requester, string? Version, string? RoomId, string? SessionId) : IQuery<JsonObject>;

/// <summary>DELETE /room_keys/keys[/{roomId}[/{sessionId}]].</summary>
public sealed record DeleteRoomKeys(Requester Requester, string? Version, string? RoomId, string? SessionId) : ICommand<JsonObject>;

/// <summary>A backed-up session: how good the copy is (verified, earliest index, fewest forwards) and its encrypted data.</summary>
/// <param name="SessionData">The algorithm's encrypted session, opaque to the server: the spec's algorithm has an object there, and any
/// JSON value is kept as given, as Synapse keeps it (SyTest's backups use a string).</param>
public sealed record RoomKeyData(long FirstMessageIndex, long ForwardedCount, bool IsVerified, JsonNode SessionData)
{
    /// <summary>The spec's order: a verified key beats an unverified one, then a lower first index, then fewer forwards.</summary>
    public bool IsBetterThan(RoomKeyData other) =>
        IsVerified != other.IsVerified ? IsVerified
        : FirstMessageIndex != other.FirstMessageIndex ? FirstMessageIndex < other.FirstMessageIndex
        : ForwardedCount < other.ForwardedCount;

    public JsonObject ToJson() => new()
    {
        ["first_message_index"] = FirstMessageIndex,
        ["forwarded_count"] = ForwardedCount,
        ["is_verified"] = IsVerified,
        ["session_data"] = SessionData.DeepClone(),
    };

    public static RoomKeyData Parse(JsonNode? node)
    {
        if (node is not JsonObject json) throw MatrixException.BadJson("Key data must be an object");
        return new RoomKeyData(
            Integer(json, "first_message_index"),
            Integer(json, "forwarded_count"),
            json["is_verified"] is JsonValue v && v.TryGetValue(out bool verified) ? verified : throw MatrixException.BadJson("is_verified must be a boolean"),
            json["session_data"]?.DeepClone() ?? throw MatrixException.BadJson("session_data is required"));
    }

    private static long Integer(JsonObject json, string name) =>
        json[name] is JsonValue v && v.TryGetValue(out long value) && value >= 0 ? value : throw MatrixException.BadJson($"{name} must be a non-negative integer");
}
