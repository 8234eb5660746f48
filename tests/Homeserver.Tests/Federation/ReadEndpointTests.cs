using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Accounts.Management;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>The federation endpoints reading hs1's room events, asked by hs2 (in the room) and hs3 (not in it).</summary>
[Collection(FederationEventsCollection.Name)]
public sealed class ReadEndpointTests(FederationEventsFixture fixture)
{
    private const string V1 = "/_matrix/federation/v1";

    private TestHomeserver Hs1 => fixture.Hs1;

    private Task<MatrixResponse> GetAsync(string origin, string uri) => fixture.Servers.SendSignedAsync(origin, "hs1.test", HttpMethod.Get, uri);

    private static string Path(string value) => Uri.EscapeDataString(value);

    [Fact]
    public async Task Event_gives_the_pdu_as_signed_to_a_server_in_the_room_and_refuses_others()
    {
        var (roomId, alice, _) = await fixture.SharedRoomAsync();
        var eventId = await Hs1.SendMessageAsync(roomId, alice, "hello");

        var answer = (await GetAsync("hs2.test", $"{V1}/event/{Path(eventId)}")).Ok();
        Assert.Equal("hs1.test", answer["origin"]!.GetValue<string>());
        var pdu = answer["pdus"]!.AsArray().Single()!.AsObject();
        var stored = (await Hs1.EventRowAsync(eventId))!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(stored.Json), pdu));
        Assert.False(pdu.ContainsKey("unsigned"));

        (await GetAsync("hs3.test", $"{V1}/event/{Path(eventId)}")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await GetAsync("hs2.test", $"{V1}/event/{Path("$nope")}")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task History_a_server_may_not_see_is_given_redacted()
    {
        var alice = await FederationEventsFixture.NewUserAsync(Hs1, "alice");
        var bob = await FederationEventsFixture.NewUserAsync(fixture.Hs2, "bob");
        var roomId = await Hs1.CreateRoomAsync(alice, historyVisibility: "joined");
        var before = await Hs1.SendMessageAsync(roomId, alice, "before hs2 came");
        await fixture.Hs2.JoinOverFederationAsync(Hs1, roomId, bob);
        var after = await Hs1.SendMessageAsync(roomId, alice, "after hs2 came");

        var hidden = (await GetAsync("hs2.test", $"{V1}/event/{Path(before)}")).Ok()["pdus"]![0]!.AsObject();
        Assert.Empty(hidden["content"]!.AsObject());
        var seen = (await GetAsync("hs2.test", $"{V1}/event/{Path(after)}")).Ok()["pdus"]![0]!.AsObject();
        Assert.Equal("after hs2 came", seen["content"]!["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_erased_users_events_are_given_redacted()
    {
        // As Synapse: another server cannot tell which of its users saw them, so every server gets them pruned.
        var (roomId, _, _) = await fixture.SharedRoomAsync();
        var eraser = await FederationEventsFixture.NewUserAsync(Hs1, "eraser");
        await Hs1.JoinAsync(roomId, eraser);
        var eventId = await Hs1.SendMessageAsync(roomId, eraser, "forget me");
        Assert.Equal("forget me", (await GetAsync("hs2.test", $"{V1}/event/{Path(eventId)}")).Ok()["pdus"]![0]!["content"]!["body"]!.GetValue<string>());

        using (var scope = Hs1.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<AccountDeactivator>().DeactivateAsync(eraser.UserId, erase: true, CancellationToken.None);
        }

        Assert.Empty((await GetAsync("hs2.test", $"{V1}/event/{Path(eventId)}")).Ok()["pdus"]![0]!["content"]!.AsObject());
    }

    [Fact]
    public async Task State_and_state_ids_give_the_state_before_an_event_with_its_auth_chain()
    {
        var (roomId, alice, bob) = await fixture.SharedRoomAsync();
        var topic = (await Hs1.SendEventsAsync(roomId, EventDraft.State(EventTypes.Topic, "", alice.UserId, new JsonObject { ["topic"] = "t" })))[0];
        var snapshot = await Hs1.SnapshotAsync(roomId);

        var ids = (await GetAsync("hs2.test", $"{V1}/state_ids/{Path(roomId)}?event_id={Path(topic)}")).Ok();
        var stateIds = ids["pdu_ids"]!.AsArray().Select(n => n!.GetValue<string>()).ToHashSet();
        var expected = snapshot.State.Values.Where(id => id != topic).ToHashSet();
        Assert.Equal(expected, stateIds);
        var authIds = ids["auth_chain_ids"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Contains(snapshot.State[new(EventTypes.Create, "")], authIds);

        var full = (await GetAsync("hs2.test", $"{V1}/state/{Path(roomId)}?event_id={Path(topic)}")).Ok();
        var pdus = full["pdus"]!.AsArray().Select(p => p!["type"]!.GetValue<string>()).ToList();
        Assert.Equal(stateIds.Count, pdus.Count);
        Assert.DoesNotContain(EventTypes.Topic, pdus);
        Assert.Contains(EventTypes.Member, pdus);
        Assert.Equal(authIds.Count, full["auth_chain"]!.AsArray().Count);
        Assert.Contains(bob.UserId, full["pdus"]!.AsArray().Select(p => p!["state_key"]?.GetValue<string>()));

        (await GetAsync("hs2.test", $"{V1}/state_ids/{Path(roomId)}")).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await GetAsync("hs2.test", $"{V1}/state_ids/{Path(roomId)}?event_id={Path("$nope")}")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await GetAsync("hs3.test", $"{V1}/state/{Path(roomId)}?event_id={Path(topic)}")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Event_auth_gives_the_whole_auth_chain()
    {
        var (roomId, alice, _) = await fixture.SharedRoomAsync();
        var message = await Hs1.SendMessageAsync(roomId, alice, "auth me");
        var chain = (await GetAsync("hs2.test", $"{V1}/event_auth/{Path(roomId)}/{Path(message)}")).Ok()["auth_chain"]!.AsArray();
        var types = chain.Select(p => (p!["type"]!.GetValue<string>(), p["state_key"]?.GetValue<string>())).ToHashSet();
        Assert.Contains((EventTypes.Create, ""), types);
        Assert.Contains((EventTypes.PowerLevels, ""), types);
        Assert.Contains((EventTypes.Member, alice.UserId), types);
        Assert.DoesNotContain(chain, p => p!["type"]!.GetValue<string>() == EventTypes.Message);
        (await GetAsync("hs2.test", $"{V1}/event_auth/{Path(roomId)}/{Path("$nope")}")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Backfill_walks_back_from_the_given_events_deepest_first()
    {
        var (roomId, alice, _) = await fixture.SharedRoomAsync();
        var sent = new List<string>();
        for (var i = 0; i < 6; i++) sent.Add(await Hs1.SendMessageAsync(roomId, alice, $"m{i}"));

        var answer = (await GetAsync("hs2.test", $"{V1}/backfill/{Path(roomId)}?v={Path(sent[^1])}&limit=4")).Ok();
        var got = answer["pdus"]!.AsArray().Select(p => p!["content"]!["body"]!.GetValue<string>()).ToList();
        Assert.Equal(["m5", "m4", "m3", "m2"], got);

        (await GetAsync("hs2.test", $"{V1}/backfill/{Path(roomId)}?limit=4")).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await GetAsync("hs2.test", $"{V1}/backfill/{Path(roomId)}?v={Path(sent[0])}&limit=x")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await GetAsync("hs3.test", $"{V1}/backfill/{Path(roomId)}?v={Path(sent[0])}&limit=4")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Get_missing_events_gives_the_events_between_oldest_first()
    {
        var (roomId, alice, _) = await fixture.SharedRoomAsync();
        var sent = new List<string>();
        for (var i = 0; i < 5; i++) sent.Add(await Hs1.SendMessageAsync(roomId, alice, $"g{i}"));
        var uri = $"{V1}/get_missing_events/{Path(roomId)}";

        var body = new JsonObject { ["earliest_events"] = new JsonArray(sent[0]), ["latest_events"] = new JsonArray(sent[4]), ["limit"] = 10 };
        var events = (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Post, uri, body)).Ok()["events"]!.AsArray();
        Assert.Equal(["g1", "g2", "g3"], events.Select(e => e!["content"]!["body"]!.GetValue<string>()));

        body["limit"] = 2;
        events = (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Post, uri, body)).Ok()["events"]!.AsArray();
        Assert.Equal(["g2", "g3"], events.Select(e => e!["content"]!["body"]!.GetValue<string>()));

        // Without earliest_events (Synapse takes it as empty): everything before, up to the limit.
        var noEarliest = (await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Post, uri,
            new JsonObject { ["latest_events"] = new JsonArray(sent[4]), ["limit"] = 2 })).Ok()["events"]!.AsArray();
        Assert.Equal(2, noEarliest.Count);
        (await fixture.Servers.SendSignedAsync("hs3.test", "hs1.test", HttpMethod.Post, uri, body)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Timestamp_to_event_finds_the_closest_event_either_way()
    {
        var (roomId, alice, _) = await fixture.SharedRoomAsync();
        var first = await Hs1.SendMessageAsync(roomId, alice, "first");
        var firstTs = (await Hs1.EventRowAsync(first))!.OriginServerTs;
        var uri = $"{V1}/timestamp_to_event/{Path(roomId)}";

        var forward = (await GetAsync("hs2.test", $"{uri}?ts={firstTs}&dir=f")).Ok();
        Assert.Equal(first, forward["event_id"]!.GetValue<string>());
        var backward = (await GetAsync("hs2.test", $"{uri}?ts={firstTs + 1}&dir=b")).Ok();
        Assert.Equal(firstTs, backward["origin_server_ts"]!.GetValue<long>());

        (await GetAsync("hs2.test", $"{uri}?ts=1&dir=b")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await GetAsync("hs2.test", $"{uri}?ts=1&dir=x")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await GetAsync("hs2.test", $"{uri}?dir=f")).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
    }

    [Fact]
    public async Task A_world_readable_room_is_readable_by_servers_outside_it_unless_its_acl_denies_them()
    {
        var alice = await FederationEventsFixture.NewUserAsync(Hs1, "alice");
        var roomId = await Hs1.CreateRoomAsync(alice, historyVisibility: "world_readable");
        var message = await Hs1.SendMessageAsync(roomId, alice, "for everyone");
        (await GetAsync("hs3.test", $"{V1}/event/{Path(message)}")).Ok();

        await Hs1.SendEventsAsync(roomId, EventDraft.State(EventTypes.ServerAcl, "", alice.UserId,
            new JsonObject { ["allow"] = new JsonArray("*"), ["deny"] = new JsonArray("hs3.test") }));
        (await GetAsync("hs3.test", $"{V1}/event/{Path(message)}")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        // A denied server learns nothing, not even what its request lacks.
        (await fixture.Servers.SendSignedAsync("hs3.test", "hs1.test", HttpMethod.Post, $"{V1}/get_missing_events/{Path(roomId)}", new JsonObject()))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        // An allowed one that leaves both lists out gets nothing (Synapse takes them as empty).
        Assert.Empty((await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Post, $"{V1}/get_missing_events/{Path(roomId)}", new JsonObject()))
            .Ok()["events"]!.AsArray());
    }
}
