using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Rooms;

public sealed class EventVisibilityTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("world_readable", null, null, true)]
    [InlineData("shared", null, "join", true)]
    [InlineData("shared", null, "leave", false)]
    [InlineData("shared", null, null, false)]
    [InlineData("invited", "invite", "join", true)]
    [InlineData("invited", null, "join", false)]
    [InlineData("joined", null, "join", false)]
    [InlineData("joined", "join", "leave", true)]
    public void The_rule_follows_the_spec(string visibility, string? atEvent, string? now, bool expected) =>
        Assert.Equal(expected, EventVisibility.IsVisible(visibility, atEvent, now));

    [Fact]
    public async Task Joined_visibility_hides_what_came_before_the_join()
    {
        var alice = await _server.CreateUserAsync("alice");
        var bob = await _server.CreateUserAsync("bob");
        var roomId = await _server.CreateRoomAsync(alice, historyVisibility: "joined");
        var before = await _server.SendMessageAsync(roomId, alice, "before bob");
        await _server.JoinAsync(roomId, bob);
        var after = await _server.SendMessageAsync(roomId, alice, "after bob");

        await using var db = _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContext();
        var visible = await _server.Services.GetRequiredService<EventVisibility>().FilterAsync(db, roomId, bob.UserId, [before, after], CancellationToken.None);
        Assert.Equal([after], visible);
        var forAlice = await _server.Services.GetRequiredService<EventVisibility>().FilterAsync(db, roomId, alice.UserId, [before, after], CancellationToken.None);
        Assert.Equal([before, after], forAlice);
    }
}
