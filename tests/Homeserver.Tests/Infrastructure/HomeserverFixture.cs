namespace Matrix.Homeserver.Tests.Infrastructure;

/// <summary>
/// One server shared by a test class (xunit IClassFixture). Derive to change settings; every
/// notification the server publishes is recorded in <see cref="Publisher"/>.
/// </summary>
public class HomeserverFixture : IAsyncLifetime
{
    public TestHomeserver Server { get; private set; } = null!;
    public RecordingPublisher Publisher { get; } = new();

    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    public async Task InitializeAsync() => Server = await TestHomeserver.StartAsync(Configure, services: Publisher.Install);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
