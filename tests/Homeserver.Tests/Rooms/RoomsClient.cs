using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Rooms;

/// <summary>The rooms API as a client calls it, for the tests of this folder.</summary>
internal static class RoomsClient
{
    private static int _users;

    /// <summary>A server on its own: rooms, aliases and users of other servers are unknown to it (the federated cases are in Federation/).</summary>
    public static void WithoutFederation(IDictionary<string, string?> settings) => settings["Homeserver:Federation:Enabled"] = "false";

    /// <summary>A user with a fresh localpart (tests of a class share one server).</summary>
    public static Task<TestUser> NewUserAsync(this TestHomeserver server, string name = "user", bool admin = false) =>
        server.CreateUserAsync($"{name}{Interlocked.Increment(ref _users)}", admin);

    public static string Path(string roomIdOrAlias) => Uri.EscapeDataString(roomIdOrAlias);

    public static Task<MatrixResponse> PostAsync(this TestHomeserver server, TestUser? user, string path, JsonNode? body = null) =>
        server.Http.PostJsonAsync("/_matrix/client/v3" + path, body ?? new JsonObject(), user?.AccessToken);

    public static Task<MatrixResponse> PutAsync(this TestHomeserver server, TestUser? user, string path, JsonNode? body) =>
        server.Http.PutJsonAsync("/_matrix/client/v3" + path, body, user?.AccessToken);

    public static Task<MatrixResponse> GetAsync(this TestHomeserver server, TestUser? user, string path) =>
        server.Http.GetJsonAsync("/_matrix/client/v3" + path, user?.AccessToken);

    public static async Task<string> CreateRoomAsync(this TestHomeserver server, TestUser user, JsonObject body) =>
        (await server.PostAsync(user, "/createRoom", body)).Ok()["room_id"]!.GetValue<string>();

    public static Task<MatrixResponse> JoinRoomAsync(this TestHomeserver server, TestUser user, string roomIdOrAlias, JsonObject? body = null) =>
        server.PostAsync(user, $"/join/{Path(roomIdOrAlias)}", body);

    public static Task<MatrixResponse> MembershipAsync(this TestHomeserver server, TestUser user, string roomId, string action, string? target = null, string? reason = null)
    {
        var body = new JsonObject();
        if (target is not null) body["user_id"] = target;
        if (reason is not null) body["reason"] = reason;
        return server.PostAsync(user, $"/rooms/{Path(roomId)}/{action}", body);
    }

    /// <summary>The content of a current state event, or null when the room has none (404).</summary>
    public static async Task<JsonObject?> StateContentAsync(this TestHomeserver server, TestUser user, string roomId, string type, string stateKey = "")
    {
        var response = await server.GetAsync(user, $"/rooms/{Path(roomId)}/state/{type}/{Path(stateKey)}");
        if (response.Status == HttpStatusCode.NotFound) return null;
        return response.Ok();
    }

    public static async Task<string> SetStateAsync(this TestHomeserver server, TestUser user, string roomId, string type, string stateKey, JsonObject content) =>
        (await server.PutAsync(user, $"/rooms/{Path(roomId)}/state/{type}/{Path(stateKey)}", content)).Ok()["event_id"]!.GetValue<string>();

    public static async Task<string?> MembershipOfAsync(this TestHomeserver server, TestUser asker, string roomId, string userId) =>
        (await server.StateContentAsync(asker, roomId, "m.room.member", userId))?["membership"]?.GetValue<string>();

    /// <summary>The room's events in stream order as (type, state_key), read from the database.</summary>
    public static async Task<List<(string Type, string? StateKey)>> EventOrderAsync(this TestHomeserver server, string roomId)
    {
        await using var db = await server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        return (await db.Events.AsNoTracking().Where(e => e.RoomId == roomId).OrderBy(e => e.StreamOrdering)
            .Select(e => new { e.Type, e.StateKey }).ToListAsync()).Select(e => (e.Type, e.StateKey)).ToList();
    }

    public static async Task<long> StreamOrderingOfAsync(this TestHomeserver server, string eventId)
    {
        await using var db = await server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        return await db.Events.Where(e => e.EventId == eventId).Select(e => e.StreamOrdering!.Value).SingleAsync();
    }

    public static async Task SetProfileAsync(this TestHomeserver server, TestUser user, string? displayName, string? avatarUrl)
    {
        await using var db = await server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        await db.Users.Where(u => u.UserId == user.UserId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.DisplayName, displayName).SetProperty(u => u.AvatarUrl, avatarUrl));
    }

    /// <summary>An initial_state holding one event whose content has one string field.</summary>
    public static JsonArray InitialState(string type, string field, string value) =>
        new(new JsonObject { ["type"] = type, ["content"] = new JsonObject { [field] = value } });

    public static JsonArray Array(params string[] values) => new([.. values.Select(v => JsonValue.Create(v))]);
}
