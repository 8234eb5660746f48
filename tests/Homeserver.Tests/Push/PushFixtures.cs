using System.Collections.Concurrent;
using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Push;

/// <summary>One server for a test class; tests make their own users (see <see cref="NewUserAsync"/>) so they never share state.</summary>
public class PushServerFixture : IAsyncLifetime
{
    private int _users;

    public TestHomeserver Server { get; private set; } = null!;

    /// <summary>A user whose localpart starts with <paramref name="name"/> and is unique on the server.</summary>
    public Task<TestUser> NewUserAsync(string name) => Server.CreateUserAsync($"{name}{Interlocked.Increment(ref _users)}");

    public virtual async Task InitializeAsync() => Server = await TestHomeserver.StartAsync(Configure, services: ConfigureServices);

    public virtual async Task DisposeAsync() => await Server.DisposeAsync();

    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }
}

/// <summary>A server whose read receipts (the seam sync answers) are what the test says.</summary>
public sealed class SettableReceiptsFixture : PushServerFixture
{
    public SettableReadReceipts Receipts { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IReadReceiptPositions>(Receipts);
}

/// <summary>Read positions set by a test: user → room → position.</summary>
public sealed class SettableReadReceipts : IReadReceiptPositions
{
    private readonly ConcurrentDictionary<(string User, string Room), ReadPosition> _positions = new();

    public void Set(string userId, string roomId, ReadPosition position) => _positions[(userId, roomId)] = position;

    public Task<IReadOnlyDictionary<string, ReadPosition>> GetAsync(IDbSource db, string userId, IReadOnlyCollection<string> roomIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, ReadPosition>>(roomIds
            .Where(room => _positions.ContainsKey((userId, room)))
            .ToDictionary(room => room, room => _positions[(userId, room)], StringComparer.Ordinal));
}

/// <summary>A server that may push to loopback gateways, with a gateway stub listening.</summary>
public sealed class PushGatewayFixture : PushServerFixture
{
    public PushGatewayStub Gateway { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Gateway = await PushGatewayStub.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Gateway.DisposeAsync();
    }

    protected override void Configure(IDictionary<string, string?> settings) => settings["Homeserver:Push:AllowPrivateAddresses"] = "true";
}
