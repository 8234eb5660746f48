using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.FederationApi.Events;
using Matrix.Homeserver.FederationApi.Ingest;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.ServerKeys;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>A room as one server sees it now: what a new event there would build on.</summary>
public sealed record RoomSnapshot(RoomVersion Version, IReadOnlyDictionary<StateKey, string> State, IReadOnlyList<string> Extremities, long Depth);

/// <summary>
/// Rooms shared between test servers, and events crafted as a server would build them. Until membership over
/// federation exists, a remote join is made by hand the way send_join will make it: the joining server stores the
/// room's state and auth chain as outliers, builds and signs its user's join on the host's forward extremities,
/// stores it with that state, and pushes it to the host over /send.
/// </summary>
public static class FederatedRooms
{
    public static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    public static HomeserverDbContext Db(this TestHomeserver server) =>
        server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContext();

    public static async Task<RoomSnapshot> SnapshotAsync(this TestHomeserver server, string roomId)
    {
        await using var db = server.Db();
        var version = await server.Services.GetRequiredService<EventStore>().GetRoomVersionAsync(db, roomId, CancellationToken.None)
            ?? throw new InvalidOperationException($"{server.ServerName} does not know {roomId}");
        var state = await server.Services.GetRequiredService<RoomStateReader>().GetCurrentStateIdsAsync(db, roomId, CancellationToken.None);
        var extremities = await db.ForwardExtremities.Where(f => f.RoomId == roomId).Select(f => f.EventId).ToListAsync();
        var depth = await db.Events.Where(e => extremities.Contains(e.EventId)).MaxAsync(e => e.Depth);
        return new RoomSnapshot(version, state, extremities, depth);
    }

    /// <summary>An event as <paramref name="author"/> would build it on <paramref name="on"/>, signed with its key (or <paramref name="key"/>).</summary>
    public static Pdu Build(this TestHomeserver author, string roomId, RoomSnapshot on, string sender, string type, string? stateKey, JsonObject content,
        SigningKey? key = null, IReadOnlyList<string>? prevEvents = null) =>
        Build(author.ServerName, key ?? author.Services.GetRequiredService<ServerSigningKey>().Key, roomId, on, sender, type, stateKey, content, prevEvents);

    /// <summary>An event as a server named <paramref name="serverName"/> would build it, signed with <paramref name="key"/>.</summary>
    public static Pdu Build(string serverName, SigningKey key, string roomId, RoomSnapshot on, string sender, string type, string? stateKey, JsonObject content,
        IReadOnlyList<string>? prevEvents = null)
    {
        var auth = AuthEventSelection.Select(on.Version, type, stateKey, sender, content).Select(k => on.State.GetValueOrDefault(k)).OfType<string>().ToList();
        var builder = new EventBuilder(ServerName.Parse(serverName), key);
        return builder.Build(on.Version, new EventTemplate
        {
            Type = type, StateKey = stateKey, Sender = sender, Content = content, RoomId = roomId,
            PrevEvents = prevEvents ?? on.Extremities, AuthEvents = auth, Depth = on.Depth + 1,
            OriginServerTs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        });
    }

    public static JsonObject Message(string body) => new() { ["msgtype"] = "m.text", ["body"] = body };

    public static JsonObject Membership(string membership) => new() { ["membership"] = membership };

    /// <summary>The next state of a snapshot after an event (for chains of crafted events).</summary>
    public static RoomSnapshot After(this RoomSnapshot snapshot, Pdu pdu) => snapshot with
    {
        State = pdu.IsState ? new Dictionary<StateKey, string>(snapshot.State) { [pdu.StateTuple] = pdu.EventId } : snapshot.State,
        Extremities = [pdu.EventId],
        Depth = pdu.Depth,
    };

    /// <summary>Stores crafted events on a server as received ones (so it holds them and can serve them), without sending them anywhere.</summary>
    public static async Task StoreAsReceivedAsync(this TestHomeserver server, params Pdu[] pdus)
    {
        var writer = server.Services.GetRequiredService<RoomEventWriter>();
        foreach (var pdu in pdus)
        {
            var result = await writer.PersistRemoteAsync(new IncomingEvent(pdu), CancellationToken.None);
            Assert.True(result.Outcome == IncomingOutcome.Accepted, $"{pdu.EventId}: {result.Outcome} {result.Reason}");
        }
    }

    /// <summary>
    /// PUT /send from one server to another; returns the per-PDU answers. The receiver takes one transaction
    /// per origin at a time, so while the sending server's own queue has one in flight it answers 429: then
    /// this tries again (bounded), as a real sender would.
    /// </summary>
    public static async Task<JsonObject> PushAsync(this TestHomeserver from, string to, IEnumerable<Pdu> pdus, IEnumerable<JsonObject>? edus = null, string? txnId = null)
    {
        var body = new JsonObject
        {
            ["origin"] = from.ServerName,
            ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["pdus"] = new JsonArray([.. pdus.Select(p => p.Json.DeepClone())]),
            ["edus"] = new JsonArray([.. (edus ?? []).Select(e => e.DeepClone())]),
        };
        var client = from.Services.GetRequiredService<FederationClient>();
        var path = $"/_matrix/federation/v1/send/{txnId ?? Guid.NewGuid().ToString("N")}";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return (await client.PutJsonAsync(to, path, body))["pdus"]!.AsObject();
            }
            catch (FederationHttpException e) when (e.StatusCode == 429 && attempt < 100)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Joins <paramref name="user"/> of <paramref name="joiner"/> to <paramref name="host"/>'s room (see the class summary). Returns the join.</summary>
    public static async Task<Pdu> JoinOverFederationAsync(this TestHomeserver joiner, TestHomeserver host, string roomId, TestUser user)
    {
        var snapshot = await host.SnapshotAsync(roomId);
        List<Pdu> stateAndAuth;
        await using (var db = host.Db())
        {
            var events = host.Services.GetRequiredService<EventStore>();
            var ids = await AuthChains.GetAsync(db, events, snapshot.State.Values, includeGiven: true, CancellationToken.None);
            stateAndAuth = [.. (await events.GetManyAsync(db, ids, CancellationToken.None)).Values];
        }

        await joiner.Services.GetRequiredService<RoomEventWriter>().EnsureRoomAsync(roomId, snapshot.Version, CancellationToken.None);
        await joiner.Services.GetRequiredService<OutlierPersister>().PersistAsync(stateAndAuth, CancellationToken.None);
        var join = joiner.Build(roomId, snapshot, user.UserId, EventTypes.Member, user.UserId, Membership(Memberships.Join));
        var stored = await joiner.Services.GetRequiredService<RoomEventWriter>()
            .PersistRemoteAsync(new IncomingEvent(join) { StateBefore = snapshot.State }, CancellationToken.None);
        Assert.Equal(IncomingOutcome.Accepted, stored.Outcome);

        var answer = await joiner.PushAsync(host.ServerName, [join]);
        Assert.True(JsonNode.DeepEquals(new JsonObject(), answer[join.EventId]), answer.ToJsonString());
        return join;
    }

    /// <summary>The event's row, or null.</summary>
    public static async Task<Event?> EventRowAsync(this TestHomeserver server, string eventId)
    {
        await using var db = server.Db();
        return await db.Events.AsNoTracking().FirstOrDefaultAsync(e => e.EventId == eventId);
    }

    /// <summary>Waits (bounded) until every event is in the server's timeline; false when the time ran out first.</summary>
    public static Task<bool> WaitForTimelineAsync(this TestHomeserver server, IEnumerable<string> eventIds, TimeSpan? timeout = null)
    {
        var ids = eventIds.ToList();
        return Eventually.HoldsAsync(async () =>
        {
            await using var db = server.Db();
            return await db.Events.CountAsync(e => ids.Contains(e.EventId) && !e.Outlier) == ids.Count;
        }, timeout);
    }
}
