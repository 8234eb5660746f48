using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Infrastructure;

/// <summary>
/// Test fixture: rooms set up through the event pipeline directly, for tests of features that read
/// rooms (the createRoom endpoint itself is tested over HTTP in the Rooms tests).
/// </summary>
public static class TestRooms
{
    /// <summary>A room with the creator joined at power 100, the given join rule and history visibility.</summary>
    public static async Task<string> CreateRoomAsync(this TestHomeserver server, TestUser creator, string joinRule = "public",
        string historyVisibility = "shared", RoomVersion? version = null)
    {
        version ??= RoomVersions.Default;
        var create = new JsonObject { ["room_version"] = version.Id };
        if (!version.ImplicitRoomCreator) create["creator"] = creator.UserId;
        var users = version.PrivilegedCreators ? new JsonObject() : new JsonObject { [creator.UserId] = 100 };
        var (roomId, _) = await server.Services.GetRequiredService<RoomEventWriter>().CreateRoomAsync(version,
        [
            EventDraft.State(EventTypes.Create, "", creator.UserId, create),
            EventDraft.Member(creator.UserId, creator.UserId, Memberships.Join),
            EventDraft.State(EventTypes.PowerLevels, "", creator.UserId, new JsonObject { ["users"] = users }),
            EventDraft.State(EventTypes.JoinRules, "", creator.UserId, new JsonObject { ["join_rule"] = joinRule }),
            EventDraft.State(EventTypes.HistoryVisibility, "", creator.UserId, new JsonObject { ["history_visibility"] = historyVisibility }),
        ], isPublic: false, CancellationToken.None);
        return roomId;
    }

    /// <summary>Sends events as local users through the pipeline; returns their event IDs.</summary>
    public static async Task<IReadOnlyList<string>> SendEventsAsync(this TestHomeserver server, string roomId, params EventDraft[] drafts) =>
        (await server.Services.GetRequiredService<RoomEventWriter>().SendAsync(roomId, drafts, CancellationToken.None)).Select(e => e.EventId).ToList();

    public static Task<IReadOnlyList<string>> JoinAsync(this TestHomeserver server, string roomId, TestUser user) =>
        server.SendEventsAsync(roomId, EventDraft.Member(user.UserId, user.UserId, Memberships.Join));

    public static async Task<string> SendMessageAsync(this TestHomeserver server, string roomId, TestUser sender, string body) =>
        (await server.SendEventsAsync(roomId, new EventDraft(EventTypes.Message, null, sender.UserId, new JsonObject { ["msgtype"] = "m.text", ["body"] = body })))[0];
}
