using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.FederationApi.Ingest;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>
/// Takes in a send_join answer, trusting nothing in it: the returned event must be ours (only signatures may be
/// added, and a restricted join must come back signed by its authorising server); every state and auth chain event
/// goes through the checks of any received PDU (format, signatures, content hash) and is stored as an outlier judged
/// by its own auth events, oldest first; the state must hold the room's create event in the version the template
/// named. Our join is then persisted with the returned state as the state before it, so the auth rules decide with
/// that state whether it stands.
/// </summary>
public sealed class SendJoinAnswer(
    ReceivedPduChecks checks,
    OutlierPersister outliers,
    RoomEventWriter writer,
    IServerKeyLookup keys,
    IDbContextFactory<HomeserverDbContext> dbs,
    HomeserverOptions options)
{
    /// <exception cref="RemoteAnswerException">The answer is refused, or the room's state does not allow the join.</exception>
    public async Task<Pdu> PersistAsync(string server, RemoteMembershipEvent ours, JsonObject answer, CancellationToken cancellationToken)
    {
        var (version, join) = (ours.Version, ours.Pdu);
        var limit = options.FederationMembership.MaxJoinEvents;
        if (answer["state"] is not JsonArray stateArray || answer["auth_chain"] is not JsonArray authArray) throw Refused(server, "state or auth_chain is missing");
        if (stateArray.Count + authArray.Count > limit) throw Refused(server, $"more than {limit} state and auth chain events");
        if (answer["members_omitted"] is JsonValue omitted && omitted.TryGetValue(out bool partial) && partial) throw Refused(server, "members were omitted, which we did not ask for");

        join = await ReturnedJoinAsync(server, join, answer["event"], cancellationToken);
        var state = await CheckAllAsync(server, stateArray, version, join.RoomId, cancellationToken);
        var authChain = await CheckAllAsync(server, authArray, version, join.RoomId, cancellationToken);
        CheckCreateEvent(server, state, version, join.RoomId);

        await writer.EnsureRoomAsync(join.RoomId, version, cancellationToken);
        await outliers.PersistAsync([.. authChain, .. state], cancellationToken);
        var stateBefore = await AcceptedStateAsync(server, state, cancellationToken);

        var result = await writer.PersistRemoteAsync(new IncomingEvent(join) { StateBefore = stateBefore }, cancellationToken);
        if (result.Outcome is not (IncomingOutcome.Accepted or IncomingOutcome.AlreadyKnown))
        {
            throw Refused(server, $"the room's state does not allow the join ({result.Outcome}: {result.Reason})");
        }

        return join;
    }

    /// <summary>
    /// Our join as the resident server returned it (for a restricted join, with the authorising server's signature),
    /// or as we sent it. Anything but added signatures is refused, and every required signature must hold.
    /// </summary>
    private async Task<Pdu> ReturnedJoinAsync(string server, Pdu ours, JsonNode? returned, CancellationToken cancellationToken)
    {
        var join = returned is JsonObject theirs
            ? Countersignatures.Merge(ours, theirs, signer => signer != options.ServerName) ?? throw Refused(server, "the returned join is not the one we sent")
            : ours;
        var check = await EventSigning.VerifyAsync(join, keys, cancellationToken);
        if (!check.IsValid) throw Refused(server, $"the join is not signed by every server it needs: {check}");
        return join;
    }

    private async Task<List<Pdu>> CheckAllAsync(string server, JsonArray array, RoomVersion version, string roomId, CancellationToken cancellationToken)
    {
        // Detached from the answer: each object becomes a PDU's own JSON.
        var items = array.OfType<JsonObject>().ToList();
        array.Clear();
        var pdus = new List<Pdu>(items.Count);
        foreach (var json in items)
        {
            var checkedPdu = await checks.CheckAsync(json, version, roomId, enforceReferenceLimits: false, cancellationToken);
            if (checkedPdu.Pdu is { } pdu) pdus.Add(pdu);
        }

        if (pdus.Count == 0 && items.Count > 0) throw Refused(server, "no usable event in the answer");
        return pdus;
    }

    /// <summary>The state must hold the room's one create event, of the version the template named (in v12, the event the room ID is the hash of).</summary>
    private static void CheckCreateEvent(string server, List<Pdu> state, RoomVersion version, string roomId)
    {
        var creates = state.Where(p => p.Type == EventTypes.Create && p.StateKey == "").ToList();
        if (creates.Count != 1) throw Refused(server, "the state does not hold exactly one create event");
        var create = creates[0];
        var createdVersion = create.Content["room_version"] is JsonValue v && v.TryGetValue(out string? id) ? id : RoomVersions.V1.Id;
        if (createdVersion != version.Id) throw Refused(server, $"the create event says room version {createdVersion}, the template {version.Id}");
        if (version.RoomIdIsCreateEventHash && RoomId.FromCreateEventId(create.EventId) != roomId) throw Refused(server, "the create event is not the one the room ID names");
    }

    /// <summary>The returned state as a map, of the events that were stored and not rejected (one per key).</summary>
    private async Task<Dictionary<StateKey, string>> AcceptedStateAsync(string server, List<Pdu> state, CancellationToken cancellationToken)
    {
        var ids = state.Select(p => p.EventId).ToList();
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var accepted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in ids.Chunk(500))
        {
            accepted.UnionWith(await db.Events.AsNoTracking().Where(e => batch.Contains(e.EventId) && e.RejectedReason == null)
                .Select(e => e.EventId).ToListAsync(cancellationToken));
        }

        var map = new Dictionary<StateKey, string>();
        foreach (var pdu in state.Where(p => p.IsState && accepted.Contains(p.EventId)))
        {
            if (!map.TryAdd(pdu.StateTuple, pdu.EventId) && map[pdu.StateTuple] != pdu.EventId) throw Refused(server, $"the state holds two events for {pdu.StateTuple}");
        }

        return map;
    }

    private static RemoteAnswerException Refused(string server, string reason) => new(server, $"refused send_join answer: {reason}");
}
