using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>
/// hs1, hs2 and hs3 federating over loopback TLS, with quick retries. hs1 reaches hs2 and hs3 through
/// <see cref="SwitchableProxy"/>s, so tests can take them down as hs1 sees them.
/// </summary>
public sealed class FederationEventsFixture : IAsyncLifetime
{
    public SwitchableProxy Hs2AsSeenByHs1 { get; } = new();
    public SwitchableProxy Hs3AsSeenByHs1 { get; } = new();
    public TestFederation Servers { get; private set; } = null!;

    public TestHomeserver Hs1 => Servers["hs1.test"];
    public TestHomeserver Hs2 => Servers["hs2.test"];
    public TestHomeserver Hs3 => Servers["hs3.test"];

    public async Task InitializeAsync() => Servers = await TestFederation.StartAsync(["hs1.test", "hs2.test", "hs3.test"], Configure);

    public async Task DisposeAsync()
    {
        await Servers.DisposeAsync();
        await Hs2AsSeenByHs1.DisposeAsync();
        await Hs3AsSeenByHs1.DisposeAsync();
    }

    /// <summary>A user with a fresh name on a server.</summary>
    public static Task<TestUser> NewUserAsync(TestHomeserver server, string prefix) => server.CreateUserAsync(FederatedRooms.Unique(prefix));

    /// <summary>A room of hs1 (alice) that hs2's bob joined over federation.</summary>
    public async Task<(string RoomId, TestUser Alice, TestUser Bob)> SharedRoomAsync(string historyVisibility = "shared")
    {
        var alice = await NewUserAsync(Hs1, "alice");
        var bob = await NewUserAsync(Hs2, "bob");
        var roomId = await Hs1.CreateRoomAsync(alice, historyVisibility: historyVisibility);
        await Hs2.JoinOverFederationAsync(Hs1, roomId, bob);
        return (roomId, alice, bob);
    }

    private void Configure(string name, TestFederation federation, IDictionary<string, string?> settings)
    {
        settings["Homeserver:FederationEvents:SenderMinRetryMilliseconds"] = "100";
        settings["Homeserver:FederationEvents:SenderMaxRetryMilliseconds"] = "1000";
        if (name != "hs1.test") return;
        foreach (var (target, proxy) in new[] { ("hs2.test", Hs2AsSeenByHs1), ("hs3.test", Hs3AsSeenByHs1) })
        {
            proxy.TargetPort = federation.FederationPort(target);
            settings[$"Homeserver:Federation:ResolverOverrides:{target}"] = $"127.0.0.1:{proxy.Port}";
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FederationEventsCollection : ICollectionFixture<FederationEventsFixture>
{
    public const string Name = "federation-events";
}
