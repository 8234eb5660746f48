using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Push;

/// <summary>One server for a test class; tests make their own users (see <see cref="NewUserAsync"/>) so they never share state.</summary>
public class PushServerFixture : IAsyncLifetime
{
    private int _users;

    public TestHomeserver Server { get; private set; } = null!;

    /// <summary>A user whose localpart starts with <paramref name="name"/> and is unique on the server.</summary>
    public Task<TestUser> NewUserAsync(string name) => Server.CreateUserAsync($"{name}{Interlocked.Increment(ref _users)}");

    public virtual async Task InitializeAsync() => Server = await TestHomeserver.StartAsync(Configure);

    public virtual async Task DisposeAsync() => await Server.DisposeAsync();

    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }
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
