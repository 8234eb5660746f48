using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;

namespace Matrix.Homeserver.Tests.ClientExtras;

/// <summary>Reporting events, rooms and users, and the admins' list of reports.</summary>
public sealed class ReportingTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Reports_are_stored_for_admins_and_hidden_things_cannot_be_reported()
    {
        var alice = await _server.NewUserAsync("rep");
        var bob = await _server.NewUserAsync("reported");
        var stranger = await _server.NewUserAsync("stranger");
        var admin = await _server.NewUserAsync("moderator", admin: true);
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat", ["invite"] = new JsonArray(bob.UserId) });
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        var eventId = await _server.SendMessageAsync(roomId, bob, "offensive");
        var room = RoomsClient.Path(roomId);

        (await _server.PostAsync(alice, $"/rooms/{room}/report/{Uri.EscapeDataString(eventId)}", new JsonObject { ["reason"] = "rude" })).Ok();
        (await _server.PostAsync(alice, $"/rooms/{room}/report", new JsonObject { ["reason"] = "" })).Ok();
        (await _server.PostAsync(alice, $"/users/{Uri.EscapeDataString(bob.UserId)}/report", new JsonObject { ["reason"] = "spam" })).Ok();

        (await _server.PostAsync(stranger, $"/rooms/{room}/report/{Uri.EscapeDataString(eventId)}", new JsonObject { ["reason"] = "x" })).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.PostAsync(alice, $"/rooms/{room}/report/%24unknown", new JsonObject())).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.PostAsync(alice, "/rooms/!nowhere:localhost/report", new JsonObject { ["reason"] = "x" })).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.PostAsync(alice, "/users/@ghost:localhost/report", new JsonObject { ["reason"] = "x" })).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.PostAsync(alice, $"/rooms/{room}/report", new JsonObject())).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await _server.PostAsync(alice, $"/rooms/{room}/report", new JsonObject { ["reason"] = new string('x', 1001) })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

        (await _server.Http.GetJsonAsync("/_synapse/admin/v1/event_reports", alice.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        var reports = (await _server.Http.GetJsonAsync("/_synapse/admin/v1/event_reports?limit=2", admin.AccessToken)).Ok();
        Assert.Equal(3, reports["total"]!.GetValue<int>());
        Assert.Equal(2, reports["event_reports"]!.AsArray().Count);
        Assert.Equal(2, reports["next_token"]!.GetValue<int>());
        var rest = (await _server.Http.GetJsonAsync("/_synapse/admin/v1/event_reports?from=2", admin.AccessToken)).Ok();
        var first = Assert.Single(rest["event_reports"]!.AsArray())!;
        Assert.Equal(eventId, first["event_id"]!.GetValue<string>());
        Assert.Equal("rude", first["reason"]!.GetValue<string>());
    }
}
