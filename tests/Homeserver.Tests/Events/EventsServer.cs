using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>One server per test class, with three users; each test makes its own rooms.</summary>
public sealed class EventsServer : IAsyncLifetime
{
    public TestHomeserver Server { get; private set; } = null!;
    public TestUser Alice { get; private set; } = null!;
    public TestUser Bob { get; private set; } = null!;
    public TestUser Carol { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestHomeserver.StartAsync();
        Alice = await Server.CreateUserAsync("alice");
        Bob = await Server.CreateUserAsync("bob");
        Carol = await Server.CreateUserAsync("carol");
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A room created by Alice, with Bob joined.</summary>
    public async Task<string> RoomWithBobAsync(string historyVisibility = "shared")
    {
        var roomId = await Server.CreateRoomAsync(Alice, historyVisibility: historyVisibility);
        await Server.JoinAsync(roomId, Bob);
        return roomId;
    }

    /// <summary>A room with Bob joined and <paramref name="count"/> messages "m0", "m1"… from Alice and Bob in turn.</summary>
    public async Task<(string RoomId, List<string> Sent)> RoomWithMessagesAsync(int count)
    {
        var roomId = await RoomWithBobAsync();
        var sent = new List<string>();
        for (var i = 0; i < count; i++) sent.Add(await Server.SendMessageAsync(roomId, i % 2 == 0 ? Alice : Bob, $"m{i}"));
        return (roomId, sent);
    }
}
