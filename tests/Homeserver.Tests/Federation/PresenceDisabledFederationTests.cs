using System.Text.Json.Nodes;
using Matrix.Homeserver.Sync.Presence;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>A server with presence off neither sends its users' presence nor takes other servers'.</summary>
public sealed class PresenceDisabledFederationTests : IAsyncLifetime
{
    private const string Off = "quiet.test";
    private const string On = "chatty.test";

    private TestFederation _servers = null!;

    public async Task InitializeAsync() => _servers = await TestFederation.StartAsync([Off, On], (name, _, settings) =>
    {
        settings["Homeserver:FederationEvents:SenderMinRetryMilliseconds"] = "100";
        if (name == Off) settings["Homeserver:Sync:PresenceEnabled"] = "false";
    });

    public async Task DisposeAsync() => await _servers.DisposeAsync();

    [Fact]
    public async Task Disabled_presence_sends_nothing_and_ignores_what_comes()
    {
        var off = _servers[Off];
        var on = _servers[On];
        var alice = await off.CreateUserAsync("alice");
        var bob = await on.CreateUserAsync("bob");
        var roomId = await PresenceFederation.SharedRoomAsync(off, alice, [(on, bob)]);

        (await off.Http.PutJsonAsync(PresenceFederation.StatusPath(alice), new JsonObject { ["presence"] = "online", ["status_msg"] = "hi" }, alice.AccessToken)).Ok();
        (await on.Http.PutJsonAsync(PresenceFederation.StatusPath(bob), new JsonObject { ["presence"] = "online", ["status_msg"] = "hello" }, bob.AccessToken)).Ok();
        // Each side's EDUs go out before the message it sends after them, in the same ordered queue.
        await Task.Delay(500);
        var fromOff = await off.SendMessageAsync(roomId, alice, "after my presence");
        var fromOn = await on.SendMessageAsync(roomId, bob, "after mine");
        Assert.True(await on.WaitForTimelineAsync([fromOff]));
        Assert.True(await off.WaitForTimelineAsync([fromOn]));
        await Task.Delay(500);

        Assert.Null(on.Services.GetRequiredService<RemotePresence>().Get(alice.UserId));
        Assert.Null(off.Services.GetRequiredService<RemotePresence>().Get(bob.UserId));
        // The enabled side did hear nothing from the other, yet its own user's presence is there.
        Assert.Equal("hello", on.Services.GetRequiredService<PresenceService>().Get(bob.UserId)?.StatusMsg);
    }
}
