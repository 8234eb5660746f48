using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Tests.Infrastructure;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>
/// When a local send is answered relative to its listeners (<see cref="RoomEventsPersisted"/>): a message at its commit,
/// a state change once its listeners ran, since a client may look next for what they did.
/// </summary>
public sealed class SendAnswerOrderTests : IAsyncLifetime
{
    private readonly ListenerGate _gate = new();
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(services: _gate.Install);

    public async Task DisposeAsync()
    {
        _gate.Open();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_message_is_answered_before_its_listeners_run_and_a_state_change_after()
    {
        var alice = await _server.CreateUserAsync("order-alice");
        var roomId = await _server.CreateRoomAsync(alice);

        _gate.Close();
        var message = _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{roomId}/send/m.room.message/order-1",
            new JsonObject { ["msgtype"] = "m.text", ["body"] = "answered at its commit" }, alice.AccessToken);
        var answered = await Task.WhenAny(message, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.Same(message, answered);
        Assert.StartsWith("$", (await message).Ok()["event_id"]!.GetValue<string>());
        await _gate.Reached.WaitAsync(TimeSpan.FromSeconds(30)); // its listeners are held, not yet run

        var topic = _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{roomId}/state/m.room.topic", new JsonObject { ["topic"] = "held" }, alice.AccessToken);
        await Task.Delay(200);
        Assert.False(topic.IsCompleted, "a state change waits for its listeners");

        _gate.Open();
        Assert.StartsWith("$", (await topic.WaitAsync(TimeSpan.FromSeconds(30))).Ok()["event_id"]!.GetValue<string>());
    }

    /// <summary>Holds every <see cref="RoomEventsPersisted"/> while closed; other notifications pass.</summary>
    private sealed class ListenerGate
    {
        private volatile TaskCompletionSource _open = Opened();

        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when a notification was first held.</summary>
        public Task Reached => _reached.Task;

        public void Install(IServiceCollection services) =>
            services.AddScoped<IPublisher>(sp => new Held(this, sp.GetRequiredService<IMediator>()));

        public void Close() => _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _open.TrySetResult();

        private static TaskCompletionSource Opened()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }

        private sealed class Held(ListenerGate gate, IPublisher inner) : IPublisher
        {
            public async ValueTask Publish<TNotification>(TNotification notification, CancellationToken cancellationToken = default)
                where TNotification : INotification
            {
                if (notification is RoomEventsPersisted && !gate._open.Task.IsCompleted)
                {
                    gate._reached.TrySetResult();
                    await gate._open.Task;
                }

                await inner.Publish(notification, cancellationToken);
            }

            public ValueTask Publish(object notification, CancellationToken cancellationToken = default) => inner.Publish(notification, cancellationToken);
        }
    }
}
