using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>
/// hs1, hs2 and hs3 federating over loopback TLS with quick sender retries, and evil.test, a hand-made server
/// every homeserver can reach, playing a resident server that answers what a test tells it to.
/// </summary>
public sealed class MembershipFederationFixture : IAsyncLifetime
{
    public const string Evil = "evil.test";

    public TestFederation Servers { get; private set; } = null!;
    public FakeFederationServer EvilServer { get; private set; } = null!;

    public TestHomeserver Hs1 => Servers["hs1.test"];
    public TestHomeserver Hs2 => Servers["hs2.test"];
    public TestHomeserver Hs3 => Servers["hs3.test"];

    public async Task InitializeAsync()
    {
        var evilPort = TestFederation.FreePort();
        Servers = await TestFederation.StartAsync(["hs1.test", "hs2.test", "hs3.test"], (_, _, settings) =>
        {
            settings["Homeserver:FederationEvents:SenderMinRetryMilliseconds"] = "100";
            settings["Homeserver:FederationEvents:SenderMaxRetryMilliseconds"] = "1000";
            settings[$"Homeserver:Federation:ResolverOverrides:{Evil}"] = $"127.0.0.1:{evilPort}";
        });
        EvilServer = await FakeFederationServer.StartAsync(Servers, Evil, evilPort);
    }

    public async Task DisposeAsync()
    {
        await EvilServer.DisposeAsync();
        await Servers.DisposeAsync();
    }

    /// <summary>A user with a fresh name on a server.</summary>
    public static Task<TestUser> NewUserAsync(TestHomeserver server, string prefix) => server.CreateUserAsync(FederatedRooms.Unique(prefix));
}

[CollectionDefinition(Name)]
public sealed class MembershipFederationCollection : ICollectionFixture<MembershipFederationFixture>
{
    public const string Name = "federation-membership";
}

/// <summary>Memberships as a server holds them, and waiting for what another server does in the background (bounded).</summary>
public static class MembershipReads
{
    /// <summary>Waits until the server holds <paramref name="membership"/> for the user in the room; false when the time ran out.</summary>
    public static Task<bool> WaitForMembershipAsync(this TestHomeserver server, string roomId, string userId, string membership, TimeSpan? timeout = null) =>
        Eventually.HoldsAsync(async () => await server.MembershipRowAsync(roomId, userId) == membership, timeout);

    /// <summary>The user's membership in the room as the server holds it now (room_memberships), or null.</summary>
    public static async Task<string?> MembershipRowAsync(this TestHomeserver server, string roomId, string userId)
    {
        await using var db = server.Db();
        return await db.RoomMemberships.AsNoTracking().Where(m => m.RoomId == roomId && m.UserId == userId).Select(m => m.Membership).FirstOrDefaultAsync();
    }

    /// <summary>The event of the user's current membership in the room.</summary>
    public static async Task<Pdu> StoredMembershipAsync(this TestHomeserver server, string roomId, string userId)
    {
        await using var db = server.Db();
        var eventId = await db.RoomMemberships.Where(m => m.RoomId == roomId && m.UserId == userId).Select(m => m.EventId).FirstAsync();
        return (await server.Services.GetRequiredService<EventStore>().GetAsync(db, eventId, CancellationToken.None))!;
    }
}
