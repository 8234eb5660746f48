using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Federation.StateResolution;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.FederationApi.Acl;
using Matrix.Homeserver.FederationApi.Ingest;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Transactions;

/// <summary>
/// The PDUs of one inbound transaction: grouped by room, each room's PDUs in order, rooms in parallel (bounded).
/// A PDU is taken only for a room we are in and when the room's ACL allows both the transaction's origin and the
/// PDU's sender's server. Every PDU gets its own answer ({} or {"error"}); no PDU's failure touches another.
/// The answer waits for the PDUs up to a time budget; those still being processed then are answered as accepted
/// and go on in the background (Synapse answers once PDUs are staged, without waiting for them at all).
/// </summary>
public sealed class PduBatchProcessor(
    ReceivedPduChecks checks, IncomingPduHandler handler, ServerAclChecker acls, EventStore events, RoomServers servers, IDbContextFactory<HomeserverDbContext> dbs,
    HomeserverOptions options, IHostApplicationLifetime lifetime, ILogger<PduBatchProcessor> logger)
{
    public async Task<JsonObject> ProcessAsync(string origin, IReadOnlyList<JsonObject> pdus, CancellationToken cancellationToken)
    {
        var results = new ConcurrentDictionary<string, JsonObject>(StringComparer.Ordinal);
        var (order, rooms) = await GroupByRoomAsync(origin, pdus, results, cancellationToken);

        // The work outlives the request: it ends with the server or each PDU's own time limit, not when the sender hangs up.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.FederationEvents.InboundRoomConcurrency, CancellationToken = lifetime.ApplicationStopping };
        var work = Parallel.ForEachAsync(rooms, parallel, async (room, ct) => await ProcessRoomAsync(origin, room, results, ct));
        var budget = Task.Delay(TimeSpan.FromSeconds(options.FederationEvents.TransactionBudgetSeconds), cancellationToken);
        if (await Task.WhenAny(work, budget) != work)
        {
            logger.LogInformation("Answering a transaction from {Origin} while some of its PDUs are still being processed", origin);
            _ = work.ContinueWith(t => logger.LogError(t.Exception, "Processing PDUs from {Origin} failed", origin), TaskContinuationOptions.OnlyOnFaulted);
        }
        else
        {
            await work;
        }

        var answer = new JsonObject();
        foreach (var eventId in order) answer[eventId] = results.TryGetValue(eventId, out var result) ? result.DeepClone() : new JsonObject();
        return answer;
    }

    /// <summary>The event IDs in transaction order, and the PDUs of each room we take them for; refusals go straight to the results.</summary>
    private async Task<(List<string> Order, List<RoomBatch> Rooms)> GroupByRoomAsync(
        string origin, IReadOnlyList<JsonObject> pdus, ConcurrentDictionary<string, JsonObject> results, CancellationToken cancellationToken)
    {
        var order = new List<string>(pdus.Count);
        var rooms = new Dictionary<string, RoomBatch?>(StringComparer.Ordinal);
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        foreach (var json in pdus)
        {
            if (json["room_id"] is not JsonValue roomValue || !roomValue.TryGetValue(out string? roomId))
            {
                logger.LogInformation("Ignored a PDU without a room_id from {Origin}", origin);
                continue;
            }

            if (!rooms.TryGetValue(roomId, out var room))
            {
                room = await events.GetRoomVersionAsync(db, roomId, cancellationToken) is { } version
                    ? new RoomBatch(roomId, version, await servers.HasJoinedMemberAsync(db, roomId, options.ServerName, cancellationToken), [])
                    : null;
                rooms[roomId] = room;
            }

            if (room is null)
            {
                // Without the room's version the event ID cannot even be computed: nothing to answer with (as Synapse).
                logger.LogInformation("Ignored a PDU from {Origin} for a room we do not know", origin);
                continue;
            }

            if (TryEventId(json, room.Version) is not { } eventId || results.ContainsKey(eventId))
            {
                logger.LogInformation("Ignored a PDU from {Origin} whose event ID cannot be computed or came twice", origin);
                continue;
            }

            order.Add(eventId);
            if (room.WeAreIn) room.Pdus.Add((eventId, json));
            else results[eventId] = Error("this server is not in the room");
        }

        return (order, [.. rooms.Values.OfType<RoomBatch>().Where(r => r.Pdus.Count > 0)]);
    }

    private async Task ProcessRoomAsync(string origin, RoomBatch room, ConcurrentDictionary<string, JsonObject> results, CancellationToken cancellationToken)
    {
        if (!await acls.IsAllowedAsync(room.RoomId, origin, cancellationToken))
        {
            logger.LogInformation("Refused the PDUs of {Origin} in {RoomId}: its server ACL denies the origin", origin, room.RoomId);
            foreach (var (eventId, _) in room.Pdus) results[eventId] = Error("the origin server is denied by the room's server ACL");
            return;
        }

        // The ACL of the room as the batch starts, asked once per sender server.
        var allowed = new Dictionary<string, bool>(StringComparer.Ordinal) { [origin] = true };
        foreach (var (eventId, json) in room.Pdus)
        {
            // The sender's server is checked before anything costs a key fetch.
            if (json["sender"] is JsonValue s && s.TryGetValue(out string? sender))
            {
                var server = RoomServers.ServerOf(sender);
                if (!allowed.TryGetValue(server, out var ok)) allowed[server] = ok = await acls.IsAllowedAsync(room.RoomId, server, cancellationToken);
                if (!ok)
                {
                    results[eventId] = Error("the sender's server is denied by the room's server ACL");
                    continue;
                }
            }

            results[eventId] = await ProcessPduAsync(origin, room, json, cancellationToken);
        }
    }

    private async Task<JsonObject> ProcessPduAsync(string origin, RoomBatch room, JsonObject json, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.FederationEvents.PduTimeoutSeconds));
        try
        {
            var checkedPdu = await checks.CheckAsync(json, room.Version, room.RoomId, enforceReferenceLimits: true, timeout.Token);
            if (checkedPdu.Pdu is not { } pdu) return Error(checkedPdu.Error!);
            var result = await handler.HandlePushedAsync(origin, pdu, timeout.Token);
            // A rejected event was processed (it is kept as rejected): {} as Synapse answers, which its senders and
            // SyTest expect; an error is for what could not be processed.
            if (result.Outcome == IncomingOutcome.Rejected) logger.LogInformation("Rejected {EventId} from {Origin}: {Reason}", pdu.EventId, origin, result.Reason);
            return new JsonObject();
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Error("processing the event took too long");
        }
        catch (Exception e) when (e is IngestException or FederationException or StateResolutionException)
        {
            return Error(e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Failed to process a PDU from {Origin} in {RoomId}", origin, room.RoomId);
            return Error("internal error while processing the event");
        }
    }

    private static string? TryEventId(JsonObject json, RoomVersion version)
    {
        try
        {
            return EventIds.Compute(json, version);
        }
        catch (Exception e) when (e is CanonicalJsonException or PduFormatException)
        {
            return null;
        }
    }

    private static JsonObject Error(string message) => new() { ["error"] = message };

    private sealed record RoomBatch(string RoomId, RoomVersion Version, bool WeAreIn, List<(string EventId, JsonObject Json)> Pdus);
}
