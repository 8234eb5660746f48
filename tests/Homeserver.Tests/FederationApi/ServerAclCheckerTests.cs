using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.FederationApi.Acl;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.FederationApi;

/// <summary>The room's current m.room.server_acl decides which servers take part.</summary>
[Collection(FederationCollection.Name)]
public sealed class ServerAclCheckerTests(FederationFixture fixture)
{
    [Fact]
    public async Task Rooms_without_an_acl_allow_everyone_and_the_current_acl_decides()
    {
        var alice = await fixture.Hs1.CreateUserAsync("acl_alice");
        var roomId = await fixture.Hs1.CreateRoomAsync(alice);
        var acls = fixture.Hs1.Services.GetRequiredService<ServerAclChecker>();
        Assert.True(await acls.IsAllowedAsync(roomId, "anyone.example", CancellationToken.None));

        await SetAclAsync(roomId, alice, allow: ["*"], deny: ["*.evil.example"]);
        Assert.True(await acls.IsAllowedAsync(roomId, "hs2.test", CancellationToken.None));
        Assert.False(await acls.IsAllowedAsync(roomId, "a.evil.example:8448", CancellationToken.None));
        Assert.False(await acls.IsAllowedAsync(roomId, "1.2.3.4", CancellationToken.None));

        var denied = await Assert.ThrowsAsync<MatrixException>(() => acls.EnsureAllowedAsync(roomId, "b.evil.example", CancellationToken.None));
        Assert.Equal((403, "M_FORBIDDEN"), (denied.StatusCode, denied.ErrCode));

        // A newer ACL replaces the old one.
        await SetAclAsync(roomId, alice, allow: ["hs1.test"], deny: []);
        Assert.False(await acls.IsAllowedAsync(roomId, "hs2.test", CancellationToken.None));
        Assert.True(await acls.IsAllowedAsync(roomId, "hs1.test", CancellationToken.None));
    }

    private Task<IReadOnlyList<string>> SetAclAsync(string roomId, TestUser sender, string[] allow, string[] deny) =>
        fixture.Hs1.SendEventsAsync(roomId, EventDraft.State(EventTypes.ServerAcl, "", sender.UserId, new JsonObject
        {
            ["allow"] = new JsonArray([.. allow.Select(a => (JsonNode)a)]),
            ["deny"] = new JsonArray([.. deny.Select(d => (JsonNode)d)]),
            ["allow_ip_literals"] = false,
        }));
}
