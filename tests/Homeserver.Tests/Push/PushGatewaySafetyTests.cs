using System.Net;
using Matrix.Homeserver.Push.Gateway;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Matrix.Homeserver.Tests.Push.PushTestClient;

namespace Matrix.Homeserver.Tests.Push;

/// <summary>A gateway stub on loopback, and a server with the default settings: it must refuse to connect.</summary>
public sealed class PushGatewaySafetyTests(PushServerFixture fixture) : IClassFixture<PushServerFixture>, IAsyncLifetime
{
    private readonly TestHomeserver _server = fixture.Server;
    private PushGatewayStub _gateway = null!;

    public async Task InitializeAsync() => _gateway = await PushGatewayStub.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("[::ffff:127.0.0.1]")]
    [InlineData("localhost")]
    public async Task Without_the_setting_private_gateways_are_never_contacted(string host)
    {
        var alice = await fixture.NewUserAsync("alice");
        var bob = await fixture.NewUserAsync("bob");
        var room = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(room, bob);
        var url = new UriBuilder(_gateway.NotifyUrl) { Host = host.Trim('[', ']') }.Uri.ToString();
        (await _server.SetPusherAsync(bob, url)).Ok();

        await _server.SendMessageAsync(room, alice, "hello");
        await EventuallyAsync(async () =>
        {
            await using var db = _server.Db();
            return await db.Set<Pusher>().AnyAsync(p => p.UserId == bob.UserId && p.FailingSince != null);
        }, "the delivery to fail");
        Assert.False(await _gateway.ReceivesWithinAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("2001:4860:4860::8888", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.255.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("198.18.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("::127.0.0.1", false)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("64:ff9b::808:808", true)]
    [InlineData("2002:7f00:1::", false)]
    [InlineData("2002:808:808::", true)]
    public void The_address_policy_allows_public_unicast_only(string address, bool allowed) =>
        Assert.Equal(allowed, PushAddressPolicy.IsPublic(IPAddress.Parse(address)));
}
