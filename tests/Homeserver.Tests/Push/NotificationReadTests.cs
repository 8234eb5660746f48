using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Push;

/// <summary>What read receipts (through the seam) do to GET /notifications and the counts.</summary>
public sealed class NotificationReadTests(SettableReceiptsFixture fixture) : IClassFixture<SettableReceiptsFixture>
{
    private readonly TestHomeserver _server = fixture.Server;

    [Fact]
    public async Task Notifications_up_to_the_receipt_are_read()
    {
        var alice = await fixture.NewUserAsync("alice");
        var bob = await fixture.NewUserAsync("bob");
        var room = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(room, bob);
        await _server.JoinAsync(room, await fixture.NewUserAsync("carol"));
        var first = await _server.SendMessageAsync(room, alice, "first");
        var second = await _server.SendMessageAsync(room, alice, "second");
        fixture.Receipts.Set(bob.UserId, room, new ReadPosition(await _server.StreamOrderingAsync(first), new Dictionary<string, long>()));

        var list = (await _server.Http.GetJsonAsync("/_matrix/client/v3/notifications", bob.AccessToken)).Ok()["notifications"]!.AsArray();
        Assert.Equal([(second, false), (first, true)],
            list.Select(n => (n!["event"]!["event_id"]!.GetValue<string>(), n["read"]!.GetValue<bool>())));

        // The registered counts service reads the same seam.
        var counts = _server.Services.GetRequiredService<UnreadNotificationCounts>();
        await using var db = _server.Db();
        Assert.Equal(1, await counts.GetTotalUnreadAsync(db, bob.UserId, CancellationToken.None));
    }
}
