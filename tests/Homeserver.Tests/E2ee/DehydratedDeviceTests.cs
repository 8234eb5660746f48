using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.E2ee;

/// <summary>MSC3814 dehydrated devices: create, read, replace, receive to-device messages, delete.</summary>
public sealed class DehydratedDeviceTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private const string Path = "/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device";
    private TestHomeserver Server => fixture.Server;

    private Task<MatrixResponse> EventsAsync(TestUser user, string deviceId, string? nextBatch) =>
        Server.Http.PostJsonAsync($"{Path}/{deviceId}/events", nextBatch is null ? new JsonObject() : new JsonObject { ["next_batch"] = nextBatch }, user.AccessToken);

    [Fact]
    public async Task A_dehydrated_device_holds_its_keys_and_pages_its_messages()
    {
        var alice = await Server.CreateUserAsync("dehydrate_alice");
        var bob = await Server.CreateUserAsync("dehydrate_bob");
        (await Server.Http.GetJsonAsync(Path, alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        using var deviceKey = TestKeys.NewKey();
        var dehydrated = alice with { DeviceId = "DEHYDRATED1" };
        (await Server.Http.PutJsonAsync(Path, new JsonObject
        {
            ["device_id"] = dehydrated.DeviceId,
            ["device_data"] = new JsonObject { ["algorithm"] = "org.matrix.msc3814.v1.olm", ["device_pickle"] = "encrypted" },
            ["initial_device_display_name"] = "Dehydrated device",
            ["device_keys"] = TestKeys.DeviceKeys(dehydrated, deviceKey),
        }, alice.AccessToken)).Ok();

        var read = (await Server.Http.GetJsonAsync(Path, alice.AccessToken)).Ok();
        Assert.Equal(dehydrated.DeviceId, read["device_id"]!.GetValue<string>());
        Assert.Equal("encrypted", read["device_data"]!["device_pickle"]!.GetValue<string>());
        var keys = (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { [alice.UserId] = new JsonArray() } }, bob.AccessToken)).Ok();
        Assert.NotNull(keys["device_keys"]![alice.UserId]![dehydrated.DeviceId]);

        for (var i = 0; i < 3; i++)
        {
            (await Server.Http.PutJsonAsync($"/_matrix/client/v3/sendToDevice/m.test/d{i}", new JsonObject
            {
                ["messages"] = new JsonObject { [alice.UserId] = new JsonObject { [dehydrated.DeviceId] = new JsonObject { ["n"] = i } } },
            }, bob.AccessToken)).Ok();
        }

        var page = (await EventsAsync(alice, dehydrated.DeviceId, null)).Ok();
        Assert.Equal([0, 1, 2], page["events"]!.AsArray().Select(e => e!["content"]!["n"]!.GetValue<int>()));
        // Retrying from the same batch gives them again; moving on acknowledges them.
        Assert.Equal(3, (await EventsAsync(alice, dehydrated.DeviceId, null)).Ok()["events"]!.AsArray().Count);
        var next = page["next_batch"]!.GetValue<string>();
        Assert.Empty((await EventsAsync(alice, dehydrated.DeviceId, next)).Ok()["events"]!.AsArray());
        (await EventsAsync(alice, "OTHERDEVICE", next)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await EventsAsync(alice, dehydrated.DeviceId, "not a number")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

        // A new dehydrated device replaces the old one and its keys.
        (await Server.Http.PutJsonAsync(Path, new JsonObject { ["device_id"] = "DEHYDRATED2", ["device_data"] = new JsonObject() }, alice.AccessToken)).Ok();
        keys = (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { [alice.UserId] = new JsonArray() } }, bob.AccessToken)).Ok();
        Assert.Null(keys["device_keys"]![alice.UserId]![dehydrated.DeviceId]);
        (await Server.Http.PutJsonAsync(Path, new JsonObject { ["device_id"] = alice.DeviceId, ["device_data"] = new JsonObject() }, alice.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Server.Http.PutJsonAsync(Path, new JsonObject { ["device_id"] = "X" }, alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");

        Assert.Equal("DEHYDRATED2", (await Server.Http.DeleteJsonAsync(Path, alice.AccessToken)).Ok()["device_id"]!.GetValue<string>());
        (await Server.Http.DeleteJsonAsync(Path, alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }
}
