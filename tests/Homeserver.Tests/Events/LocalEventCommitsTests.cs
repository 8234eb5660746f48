using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>
/// Sends into different rooms at once: on PostgreSQL their commits go together (<see cref="LocalEventCommits"/>), and each
/// room's rows must still be exactly what its sends alone would have written.
/// </summary>
public sealed class LocalEventCommitsTests : IAsyncLifetime
{
    private const string Alice = "@alice:localhost";
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private RoomEventWriter Writer => _server.Services.GetRequiredService<RoomEventWriter>();

    private HomeserverDbContext Db() => _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContext();

    private async Task<List<string>> CreateRoomsAsync(int count)
    {
        List<string> rooms = [];
        for (var i = 0; i < count; i++)
        {
            var (roomId, _) = await Writer.CreateRoomAsync(RoomVersions.V11,
            [
                EventDraft.State(EventTypes.Create, "", Alice, new JsonObject { ["room_version"] = "11" }),
                EventDraft.Member(Alice, Alice, Memberships.Join),
                EventDraft.State(EventTypes.PowerLevels, "", Alice, new JsonObject { ["users"] = new JsonObject { [Alice] = 100 } }),
            ], false, CancellationToken.None);
            rooms.Add(roomId);
        }

        return rooms;
    }

    private Task<IReadOnlyList<PersistedEvent>> SayAsync(string roomId, string txn) =>
        Writer.SendAsync(roomId, [new EventDraft(EventTypes.Message, null, Alice, new JsonObject { ["body"] = txn, ["msgtype"] = "m.text" })
        {
            Transaction = new ClientTransaction("DEV", txn, $"/rooms/{roomId}/send/m.room.message/{txn}"),
        }], CancellationToken.None);

    [Fact]
    public async Task Sends_into_many_rooms_at_once_leave_each_room_its_own_chain_and_a_retry_fails_no_other_room()
    {
        var rooms = await CreateRoomsAsync(12);
        var original = Assert.Single(await SayAsync(rooms[0], "first"));

        // All at once: three messages per room, a topic in one room, and a retry in another whose rows (on PostgreSQL)
        // fail the command they share on the transaction's key.
        var sends = rooms.SelectMany(room => Enumerable.Range(0, 3).Select(i => SayAsync(room, $"m{i}")))
            .Append(Writer.SendAsync(rooms[1], [EventDraft.State(EventTypes.Topic, "", Alice, new JsonObject { ["topic"] = "busy" })], CancellationToken.None))
            .Append(SayAsync(rooms[0], "first"))
            .ToList();
        var results = await Task.WhenAll(sends);

        Assert.Equal(original.EventId, Assert.Single(results[^1]).EventId);
        var written = results[..^1].Select(r => Assert.Single(r)).ToList();
        Assert.Equal(written.Count, written.Select(e => e.EventId).Distinct().Count());

        await using var db = Db();
        foreach (var room in rooms)
        {
            // Each room one chain, in stream order, whose last event alone is the room's forward extremity.
            var chain = await db.Events.Where(e => e.RoomId == room).OrderBy(e => e.StreamOrdering)
                .Select(e => new { e.EventId, e.Nid, e.Type }).ToListAsync();
            Assert.Equal(3 + 3 + (room == rooms[0] ? 1 : 0) + (room == rooms[1] ? 1 : 0), chain.Count);
            var nids = chain.Select(e => e.Nid).ToList();
            var edges = await db.EventEdges.Where(x => nids.Contains(x.EventNid)).ToDictionaryAsync(x => x.EventNid, x => x.PrevEventId);
            for (var i = 1; i < chain.Count; i++) Assert.Equal(chain[i - 1].EventId, edges[chain[i].Nid]);
            Assert.Equal([chain[^1].EventId], await db.ForwardExtremities.Where(f => f.RoomId == room).Select(f => f.EventId).ToListAsync());
        }

        var topic = written.Single(e => e.Pdu.Type == EventTypes.Topic);
        Assert.Equal(topic.EventId, (await db.CurrentState.SingleAsync(c => c.RoomId == rooms[1] && c.Type == EventTypes.Topic)).EventId);
        Assert.Equal(rooms.Count * 3 + 1, await db.EventTransactions.CountAsync());
    }

    [Fact]
    public async Task Clients_sending_into_their_own_rooms_at_once_each_read_back_their_own_messages()
    {
        List<(TestUser User, string Room)> senders = [];
        for (var i = 0; i < 8; i++)
        {
            var user = await _server.RegisterAsync($"sender{i}");
            senders.Add((user, await _server.CreateRoomAsync(user)));
        }

        string Path(string room, string txn) => $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.message/{txn}";
        // Every sender's three messages at once, and beside them a body that is not JSON, refused on its own.
        var sends = senders.SelectMany(s => Enumerable.Range(0, 3).Select(i =>
            _server.Http.PutJsonAsync(Path(s.Room, $"t{i}"), new JsonObject { ["msgtype"] = "m.text", ["body"] = $"{s.User.Localpart} {i}" }, s.User.AccessToken)))
            .ToList();
        var refused = _server.Http.SendAsync(HttpMethod.Put, Path(senders[0].Room, "broken"), rawBody: "{not json", accessToken: senders[0].User.AccessToken);
        var answers = await Task.WhenAll(sends);
        (await refused).IsError(System.Net.HttpStatusCode.BadRequest, "M_NOT_JSON");

        foreach (var (answer, index) in answers.Select((a, i) => (a, i)))
        {
            var (user, room) = senders[index / 3];
            var eventId = answer.Ok()["event_id"]!.GetValue<string>();
            var fetched = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/event/{Uri.EscapeDataString(eventId)}",
                user.AccessToken)).Ok();
            Assert.Equal($"{user.Localpart} {index % 3}", fetched["content"]!["body"]!.GetValue<string>());
        }

        foreach (var (user, room) in senders)
        {
            var page = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/messages?dir=b&limit=3", user.AccessToken)).Ok();
            var bodies = page["chunk"]!.AsArray().Select(e => e!["content"]!["body"]!.GetValue<string>()).ToHashSet();
            Assert.Equal([$"{user.Localpart} 0", $"{user.Localpart} 1", $"{user.Localpart} 2"], bodies.Order());
        }
    }

    [PostgresFact]
    public async Task Sends_into_different_rooms_at_once_commit_in_one_transaction()
    {
        var rooms = await CreateRoomsAsync(16);
        // Whether a commit arrives while another is in flight depends on timing: a few rounds, until one shows it.
        var shared = false;
        for (var round = 0; round < 10 && !shared; round++)
        {
            var sent = await Task.WhenAll(rooms.Select(room => SayAsync(room, $"r{round}")));
            string[] ids = [.. sent.Select(s => s[0].EventId)];
            await using var db = Db();
            // Rows written by one transaction carry its ID (xmin).
            var transactions = await db.Database.SqlQueryRaw<long>("SELECT xmin::text::bigint AS \"Value\" FROM events WHERE event_id = ANY({0})", [ids]).ToListAsync();
            Assert.Equal(rooms.Count, transactions.Count);
            shared = transactions.Distinct().Count() < rooms.Count;
        }

        Assert.True(shared, "no two rooms' sends shared a commit in ten rounds");
    }

    [PostgresFact]
    public async Task A_room_whose_rows_fail_a_shared_commit_fails_alone_and_the_others_are_written()
    {
        var rooms = await CreateRoomsAsync(6);
        var commits = _server.Services.GetRequiredService<LocalEventCommits>();
        await using (var db = Db())
        {
            // A fault only one room's rows meet, which nothing retries.
            await db.Database.ExecuteSqlRawAsync(
                """
                CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN IF NEW.json LIKE '%poison%' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$;
                CREATE TRIGGER refuse_poison BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_poison();
                """);
        }

        // A lock on the extremities holds the first commit in flight, so the others wait for it and then go together.
        var blocker = Db();
        var hold = await blocker.Database.BeginTransactionAsync();
        await blocker.Database.ExecuteSqlRawAsync("LOCK TABLE forward_extremities IN EXCLUSIVE MODE");
        var leader = SayAsync(rooms[1], "lead");
        Assert.True(await Eventually.HoldsAsync(async () => await blocker.Database.SqlQueryRaw<int>(
            "SELECT count(*)::int AS \"Value\" FROM pg_locks WHERE NOT granted AND relation = 'forward_extremities'::regclass").SingleAsync() > 0,
            TimeSpan.FromSeconds(10)), "the first commit did not wait for the lock");
        var others = rooms[2..].Select(room => SayAsync(room, "other")).ToList();
        var poisoned = SayAsync(rooms[0], "poison");
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(commits.Waiting == others.Count + 1), TimeSpan.FromSeconds(10)),
            "the other commits did not queue behind the first");
        await hold.RollbackAsync();
        await blocker.DisposeAsync();

        Assert.Single(await leader);
        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => poisoned);
        Assert.Equal("poisoned", error.MessageText);
        string[] ids = [.. (await Task.WhenAll(others)).Select(a => Assert.Single(a).EventId)];
        await using var check = Db();
        Assert.Equal(ids.Length, await check.Events.CountAsync(e => ids.Contains(e.EventId)));
        Assert.Equal(0, await check.Events.CountAsync(e => e.RoomId == rooms[0] && e.Type == EventTypes.Message));
        // Written again alone after the shared command failed: one transaction each.
        var transactions = await check.Database.SqlQueryRaw<long>("SELECT xmin::text::bigint AS \"Value\" FROM events WHERE event_id = ANY({0})", [ids]).ToListAsync();
        Assert.Equal(ids.Length, transactions.Distinct().Count());
    }
}
