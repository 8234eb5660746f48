using System.Collections.Immutable;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;
using Matrix.Federation.StateResolution;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.ServerKeys;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// The one path of a local event: build (on the room's current state and forward extremities) →
/// authorize → persist (one transaction, under the room's lock) → notify (sync, then listeners such
/// as the federation sender). Several drafts sent together (createRoom) commit atomically.
/// </summary>
public sealed partial class RoomEventWriter(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    EventStore events,
    StateGroupStore stateGroups,
    RoomLocks locks,
    StreamIdGenerator streams,
    StreamChanges changes,
    SyncNotifier notifier,
    EventAuthorizer authorizer,
    ServerSigningKey signingKey,
    HomeserverOptions options,
    TimeProvider clock,
    IServiceScopeFactory scopes,
    StateResolver resolver,
    RoomSnapshots snapshots,
    RoomHeads heads,
    EventNotifications eventNotifications,
    Policy.RoomPolicyServers policyServers,
    Search.SearchIndexer searchIndexer,
    LocalEventCommits commits,
    ILogger<RoomEventWriter> logger)
{
    /// <summary>At most this many forward extremities become an event's prev_events.</summary>
    private const int MaxPrevEvents = 10;

    /// <summary>Room IDs tried for one new room (a v12 room ID taken by an identical create event moves on a millisecond).</summary>
    private const int MaxCreateAttempts = 16;

    private static readonly StateKey CreateKey = new(EventTypes.Create, "");
    private static readonly StateKey PowerLevelsKey = new(EventTypes.PowerLevels, "");

    private readonly EventBuilder _builder = new(ServerName.Parse(options.ServerName), signingKey.Key);

    /// <summary>A new room ID of this server, for a room version whose room IDs are chosen (before v12).</summary>
    public string NewRoomId() => "!" + RandomId(18) + ":" + options.ServerName;

    /// <summary>
    /// Creates a room: the first draft must be its m.room.create event. Returns the room ID and the events.
    /// <paramref name="roomId"/> (from <see cref="NewRoomId"/>) is the ID when known beforehand (a room upgrade's tombstone
    /// names it); only for versions whose room IDs are chosen.
    /// </summary>
    public async Task<(string RoomId, IReadOnlyList<PersistedEvent> Events)> CreateRoomAsync(RoomVersion version, IReadOnlyList<EventDraft> drafts, bool isPublic,
        CancellationToken cancellationToken, string? roomId = null)
    {
        if (roomId is not null && version.RoomIdIsCreateEventHash) throw new ArgumentException("a v12+ room ID is its create event's hash", nameof(roomId));
        if (drafts.Count == 0 || drafts[0].Type != EventTypes.Create) throw new ArgumentException("the first event of a room is its create event", nameof(drafts));

        // Before v12 the room ID is ours to pick; from v12 it is the create event's hash, known once built. Two rooms
        // created alike in the same millisecond (one user's concurrent requests) would hash alike: the later one takes
        // the next millisecond instead, under the room's lock, until its ID is new.
        var createDraft = drafts[0];
        var chosen = roomId;
        Pdu create;
        IDisposable roomLock;
        HomeserverDbContext db;
        for (var attempt = 0; ; attempt++)
        {
            var id = version.RoomIdIsCreateEventHash ? null : chosen ?? NewRoomId();
            create = Build(version, createDraft, id, prevEvents: [], authEvents: [], depth: 1, references: null);
            roomId = create.RoomId;
            roomLock = await locks.AcquireAsync(roomId, cancellationToken);
            db = await OpenWriteContextAsync(cancellationToken);
            if (!await db.Rooms.AnyAsync(r => r.RoomId == roomId, cancellationToken)) break;
            await db.DisposeAsync();
            roomLock.Dispose();
            if (attempt >= MaxCreateAttempts || chosen is not null) throw new InvalidOperationException($"room ID {roomId} is taken");
            createDraft = createDraft with { OriginServerTs = create.OriginServerTs + 1 };
        }

        using var heldLock = roomLock;
        await using var ownedDb = db;
        events.RememberRoomVersion(roomId, version);
        var room = new Room { RoomId = roomId, RoomVersion = version.Id, Creator = create.Sender, IsPublic = isPublic, CreatedTs = Now() };
        var session = new WriteSession(roomId, version, ImmutableDictionary<StateKey, string>.Empty, null, [], 0, OnPostgres);
        if (OnPostgres)
        {
            // The room's row goes with its events' batch: the whole room in one round trip.
            session.NewRoom = room;
        }
        else
        {
            session.Transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            db.Rooms.Add(room);
            await db.SaveChangesAsync(cancellationToken);
        }

        List<PersistedEvent> persisted;
        try
        {
            await PersistLocalAsync(db, session, create, null, cancellationToken);
            foreach (var draft in drafts.Skip(1)) await AppendAsync(db, session, draft, cancellationToken);
            persisted = await CommitAsync(db, session, cancellationToken);
        }
        finally
        {
            ReleasePositions(session);
            if (session.Transaction is { } transaction) await transaction.DisposeAsync();
        }

        await NotifyAsync(db, roomId, persisted, local: true, cancellationToken);
        return (roomId, persisted);
    }

    /// <summary>
    /// A context for one all-or-nothing write: a failure rolls the whole transaction back, so EF's savepoint
    /// around each SaveChanges (two extra round trips apiece) buys nothing here.
    /// </summary>
    private async Task<HomeserverDbContext> OpenWriteContextAsync(CancellationToken cancellationToken)
    {
        var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.Database.AutoSavepointsEnabled = false;
        return db;
    }

    /// <summary>
    /// The room as it stands now: version, current state and forward extremities. 404 for an unknown room. A write
    /// (under the room's lock) takes the cached head out; a build that writes nothing (<paramref name="write"/>
    /// false, no lock) leaves it for the next write.
    /// </summary>
    private async Task<WriteSession> OpenSessionAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken, bool write = true)
    {
        if ((write ? heads.Take(roomId) : heads.Peek(roomId)) is { } head)
        {
            return new WriteSession(roomId, head.Version, head.State, head.StateGroup, [.. head.Extremities], head.Depth, OnPostgres)
            {
                Recent = head.Recent,
                StateGroupChainLength = head.StateGroupChainLength,
            };
        }

        var room = await db.Rooms.AsNoTracking().FirstOrDefaultAsync(r => r.RoomId == roomId, cancellationToken)
            ?? throw MatrixException.NotFound("Unknown room");
        var version = RoomVersions.Find(room.RoomVersion) ?? throw new InvalidOperationException($"room {roomId} has unknown version {room.RoomVersion}");
        var state = room.CurrentStateGroup is { } group
            ? await stateGroups.LoadAsync(db, group, cancellationToken)
            : ImmutableDictionary<StateKey, string>.Empty;
        var extremities = await db.ForwardExtremities.AsNoTracking().Where(f => f.RoomId == roomId)
            .Join(db.Events, f => f.EventId, e => e.EventId, (f, e) => new { e.EventId, e.Depth })
            .OrderByDescending(e => e.Depth).Take(MaxPrevEvents).ToListAsync(cancellationToken);

        return new WriteSession(roomId, version, state, room.CurrentStateGroup,
            extremities.Select(e => e.EventId).ToList(), extremities.Count == 0 ? 0 : extremities.Max(e => e.Depth), OnPostgres);
    }

    /// <summary>
    /// PostgreSQL takes a batch's messages and state events in one command (<see cref="LocalEventRows"/>), and its unique violation
    /// tells a retried send (so the first attempt skips the transaction lookup); SQLite, in process, goes through the context.
    /// </summary>
    private bool OnPostgres => options.Database.Provider == Configuration.DatabaseProvider.Postgres;

    /// <summary>Builds one draft on the session's state and extremities, authorizes it, and writes it.</summary>
    private async Task AppendAsync(HomeserverDbContext db, WriteSession session, EventDraft draft, CancellationToken cancellationToken)
    {
        var built = await WithPolicySignatureAsync(db, session, await BuildAuthorizedAsync(db, session, draft, signed: true, cancellationToken), cancellationToken);
        await PersistLocalAsync(db, session, built, draft.Transaction, cancellationToken);
        if (draft.Transaction is { } written)
        {
            session.Transactions[TransactionKey(draft, written)] = new PersistedEvent(built, session.Positions[^1].Position);
        }
    }

    /// <summary>
    /// A room with a Policy Server has it sign our events before anyone sees them (spec v1.18): the event with its
    /// signature; its refusal is thrown, the client's answer.
    /// </summary>
    private async Task<Pdu> WithPolicySignatureAsync(HomeserverDbContext db, WriteSession session, Pdu built, CancellationToken cancellationToken)
    {
        if (session.State.GetValueOrDefault(Policy.RoomPolicyServers.PolicyKey) is not { } policyId
            || await policyServers.OfRoomAsync(db, session.RoomId, await events.GetAsync(db, policyId, cancellationToken), cancellationToken) is not { } policyServer)
        {
            return built;
        }

        return await policyServers.SignAsync(policyServer, built, cancellationToken) ?? built;
    }

    /// <summary>
    /// Builds a draft on the session's state and extremities and authorizes it (403 when the rules refuse):
    /// signed by us, or (<paramref name="signed"/> false) as an unsigned template for another server's user.
    /// </summary>
    private async Task<Pdu> BuildAuthorizedAsync(HomeserverDbContext db, WriteSession session, EventDraft draft, bool signed, CancellationToken cancellationToken)
    {
        // The rules refuse a create event that has prev_events; a v12 one cannot even be built into a room (its hash is the room's ID).
        if (draft.Type == EventTypes.Create) throw MatrixException.Forbidden("m.room.create: a room has exactly one create event, its first");
        var authKeys = AuthEventSelection.Select(session.Version, draft.Type, draft.StateKey, draft.Sender, draft.Content);
        var authIds = authKeys.Select(k => session.State.GetValueOrDefault(k)).OfType<string>().ToList();
        // The rules always read the create event, even in v12 where auth_events leave it out.
        var createId = session.State.GetValueOrDefault(CreateKey);
        // Events written earlier in this session are not in the event cache yet (it learns them at commit).
        var pending = session.Pending.ToDictionary(p => p.EventId, StringComparer.Ordinal);
        // The extremities are read only for their reference hashes, which only the first event format (v1, v2) embeds.
        var referencedExtremities = session.Version.EventFormat == EventFormat.V1 ? session.Extremities : [];
        var wanted = authIds.Concat(referencedExtremities).Append(createId).OfType<string>().Where(id => !pending.ContainsKey(id));
        var referenced = await events.GetManyAsync(db, wanted, cancellationToken);
        foreach (var pdu in session.Pending) referenced[pdu.EventId] = pdu;

        var references = new ReferenceHashes(referenced);
        var built = signed
            ? Build(session.Version, draft, session.RoomId, session.Extremities, authIds, session.Depth + 1, references)
            : Template(session.Version, draft, session.RoomId, session.Extremities, authIds, session.Depth + 1, references);
        var authState = authIds.Append(createId).OfType<string>().Distinct().Select(id => referenced[id]).ToDictionary(p => p.StateTuple);
        var result = authorizer.Authorize(built, authState);
        if (!result.IsAllowed)
        {
            logger.LogInformation("Refused {Type} event in {RoomId}: {Reason}", draft.Type, session.RoomId, result.RejectionReason);
            throw MatrixException.Forbidden(result.RejectionReason!);
        }

        return built;
    }

    private async Task PersistLocalAsync(HomeserverDbContext db, WriteSession session, Pdu pdu, ClientTransaction? transaction, CancellationToken cancellationToken)
    {
        var position = streams.Next();
        session.Positions.Add(position);
        changes.RoomEvents.Mark(session.RoomId, position.Position);
        session.Extremities = [pdu.EventId];
        session.Depth = pdu.Depth;
        session.Pending.Add(pdu);
        // Messages and state events are written with the rest of the batch at commit (PostgreSQL); a redaction, which
        // reads its target's row, goes now.
        var plain = !pdu.IsState && pdu.Type != EventTypes.Redaction;
        if (pdu.Type != EventTypes.Redaction && session.Messages is { } messages)
        {
            var change = pdu.IsState ? await ChangeStateAsync(db, session, pdu, position.Position, cancellationToken) : null;
            messages.Add(new LocalEventRows.LocalEvent(pdu, position.Position, transaction, Now(), session.StateGroup, change));
            session.Timeline.Add(new TimelineRow(pdu.EventId, pdu.RoomId, position.Position, pdu.Type, pdu.StateKey, pdu.Sender, session.StateGroup,
                change?.ReplacesState, null));
            return;
        }

        if (transaction is not null)
        {
            // Added first, it goes with the event's own insert: no round trip of its own.
            db.EventTransactions.Add(new EventTransaction
            {
                UserId = pdu.Sender, DeviceId = transaction.DeviceId, TxnId = transaction.TxnId, Path = transaction.Path, EventId = pdu.EventId, CreatedTs = Now(),
            });
        }

        var row = EventRows.Insert(db, pdu, position.Position, outlier: false, rejectedReason: null, softFailed: false);
        // A message keeps the room's state group: set now, it needs no UPDATE after the edges.
        row.StateGroup = session.StateGroup;
        EventIndexes.Add(db, pdu, position.Position);
        session.Unflushed.Add((row, pdu));
        if (plain)
        {
            session.Timeline.Add(TimelineRowOf(row));
            return;
        }

        await BeginAsync(db, session, cancellationToken);
        await FlushAsync(db, session, cancellationToken);
        if (pdu.IsState)
        {
            row.ReplacesState = session.State.GetValueOrDefault(pdu.StateTuple);
            var newState = session.State.SetItem(pdu.StateTuple, pdu.EventId);
            // The parent's chain length from the head or the session's last group, the event's nid from its insert: two queries fewer.
            var group = await stateGroups.SaveAsync(db, session.RoomId, session.StateGroup, session.State, newState, cancellationToken,
                session.StateGroupChainLength, new Dictionary<string, long>(StringComparer.Ordinal) { [pdu.EventId] = row.Nid });
            session.MoveState(newState, group.Id, group.ChainLength);
            session.StateViaContext = true;
            await EventRows.SetCurrentStateAsync(db, changes, pdu, row.Nid, position.Position, cancellationToken);
        }

        row.StateGroup = session.StateGroup;
        if (pdu.Type == EventTypes.Redaction && pdu.Redacts is { } target)
        {
            await ApplyRedactionAsync(db, session.State, pdu, target, cancellationToken);
            // Its target may be a kept timeline row: the room's recent timeline starts again after the redaction.
            session.Redacted = true;
        }

        session.Timeline.Add(TimelineRowOf(row));
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// PostgreSQL: a state event's new state, in memory until the batch writes it (<see cref="StateRows"/>): its group's ID
    /// is reserved now, so later events of the batch can name it.
    /// </summary>
    private async Task<StateRows.Change> ChangeStateAsync(HomeserverDbContext db, WriteSession session, Pdu pdu, long streamOrdering, CancellationToken cancellationToken)
    {
        var replaces = session.State.GetValueOrDefault(pdu.StateTuple);
        var newState = session.State.SetItem(pdu.StateTuple, pdu.EventId);
        var plan = await StateGroupStore.PlanAsync(db, session.StateGroup, session.State, newState, session.StateGroupChainLength, cancellationToken);
        var groupId = await stateGroups.NextIdAsync(db, cancellationToken);
        session.MoveState(newState, groupId, plan.ChainLength);
        if (pdu.Membership is not null) EventRows.MarkMembership(changes, pdu, streamOrdering);
        return new StateRows.Change(replaces, groupId, plan);
    }

    private static TimelineRow TimelineRowOf(Event row) =>
        new(row.EventId, row.RoomId, row.StreamOrdering!.Value, row.Type, row.StateKey, row.Sender, row.StateGroup, row.ReplacesState, row.RedactedBy);

    /// <summary>The session's transaction, begun at its first write through the context.</summary>
    private static async Task BeginAsync(HomeserverDbContext db, WriteSession session, CancellationToken cancellationToken) =>
        session.Transaction ??= await db.Database.BeginTransactionAsync(cancellationToken);

    /// <summary>
    /// Inserts the session's unwritten events (their IDs come back from the insert), then their DAG edges, and makes
    /// the last of them the room's forward extremity in place of every event they point to.
    /// </summary>
    private async Task FlushAsync(HomeserverDbContext db, WriteSession session, CancellationToken cancellationToken)
    {
        if (session.Messages is { Count: > 0 } messages)
        {
            // Messages and state events before a redaction (or a create event's room row): written first, in the session's transaction.
            await WriteMessagesAsync(db, session, StoredNotifications.None, cancellationToken);
            messages.Clear();
            session.NewRoom = null;
        }

        if (session.Unflushed.Count == 0) return;
        await db.SaveChangesAsync(cancellationToken);
        await EventRows.LinkAsync(db, session.RoomId, session.Unflushed, cancellationToken);
        session.Unflushed.Clear();
    }

    /// <summary>
    /// Marks the target redacted when the redaction may apply: same sender server, or a sender whose
    /// power reaches the redact level (the client API checks the level before a local redaction).
    /// </summary>
    private async Task ApplyRedactionAsync(HomeserverDbContext db, ImmutableDictionary<StateKey, string> state, Pdu redaction, string targetId, CancellationToken cancellationToken)
    {
        var target = await db.Events.FirstOrDefaultAsync(e => e.EventId == targetId && e.RoomId == redaction.RoomId, cancellationToken);
        if (target is null || target.RedactedBy is not null) return;
        if (!await MayRedactAsync(db, redaction, target.Sender, state, cancellationToken)) return;
        target.RedactedBy = redaction.EventId;
        // The target's text may still be queued (PostgreSQL): written first, so that the delete below finds it.
        await searchIndexer.FlushAsync(cancellationToken);
        await EventIndexes.RemoveAsync(db, targetId, cancellationToken);
    }

    private async Task<bool> MayRedactAsync(HomeserverDbContext db, Pdu redaction, string targetSender, ImmutableDictionary<StateKey, string> state, CancellationToken cancellationToken)
    {
        if (DomainOf(targetSender) == redaction.SenderDomain) return true;
        var ids = new[] { state.GetValueOrDefault(CreateKey), state.GetValueOrDefault(PowerLevelsKey) }.OfType<string>();
        var found = await events.GetManyAsync(db, ids, cancellationToken);
        var levels = PowerLevels.From(found.Values.FirstOrDefault(p => p.Type == EventTypes.Create), found.Values.FirstOrDefault(p => p.Type == EventTypes.PowerLevels));
        return levels.UserLevel(redaction.Sender) >= levels.Redact;
    }

    /// <summary>Commits the session's events. The caller releases its positions (<see cref="ReleasePositions"/>) and notifies.</summary>
    private async Task<List<PersistedEvent>> CommitAsync(HomeserverDbContext db, WriteSession session, CancellationToken cancellationToken)
    {
        await BeginNotificationsAsync(db, session, cancellationToken);
        var stored = session.Notifications?.Stored ?? StoredNotifications.None;
        if (session.Transaction is null && session.Messages is { Count: > 0 })
        {
            // Nothing but messages and state events (a redaction begins the transaction): their one command is the commit.
            await WriteMessagesAsync(db, session, stored, cancellationToken);
        }
        else
        {
            await BeginAsync(db, session, cancellationToken);
            await FlushAsync(db, session, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await EventNotifications.InsertAsync(db, stored, cancellationToken);
            if (session.StateViaContext && session.StateGroup != session.InitialStateGroup)
            {
                await db.Rooms.Where(r => r.RoomId == session.RoomId)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.CurrentStateGroup, session.StateGroup), cancellationToken);
            }

            await session.Transaction!.CommitAsync(cancellationToken);
        }

        // Before the caller releases the positions: the indexer's recorded position relies on it.
        searchIndexer.Enqueue(session.Searchable);
        session.Notifications?.Complete();
        heads.Put(session.RoomId, new RoomHead(session.Version, session.State, session.StateGroup, session.Extremities, session.Depth, RecentAfter(session))
        {
            StateGroupChainLength = session.StateGroupChainLength,
        });
        foreach (var (groupId, state) in session.NewGroups) stateGroups.Remember(groupId, state);
        if (session.StateGroup != session.InitialStateGroup)
        {
            snapshots.Advance(session.RoomId, session.InitialStateGroup, session.StateGroup, [.. session.Pending.Select((pdu, i) => (pdu, session.Positions[i].Position))]);
        }

        foreach (var pdu in session.Pending) events.Remember(pdu);
        return [.. session.PersistedEvents()];
    }

    /// <summary>
    /// The session's messages and state events in one command, with other rooms' when it is the commit (in the session's
    /// transaction, before a redaction, they go alone); their search text is queued for the indexer at commit.
    /// </summary>
    private async Task WriteMessagesAsync(HomeserverDbContext db, WriteSession session, StoredNotifications notifications, CancellationToken cancellationToken)
    {
        var rows = new LocalEventRows.RoomRows(session.RoomId, session.Messages!, notifications, RoomStateGroupToWrite(session), session.NewRoom);
        await (session.Transaction is null ? commits.WriteAsync(db, rows) : LocalEventRows.WriteAsync(db, [rows], cancellationToken));
        session.Searchable.AddRange(session.Messages!.Select(m => Search.SearchEntry.Of(m.Pdu, m.StreamOrdering)).OfType<Search.SearchEntry>());
    }

    /// <summary>The room's state group after a batch of state events (<see cref="LocalEventRows"/>), null when it has none.</summary>
    private static long? RoomStateGroupToWrite(WriteSession session) =>
        session.Messages!.Any(m => m.State is not null) ? session.StateGroup : null;

    /// <summary>
    /// The room's newest timeline events once the session commits. A head read from the database knows none of the
    /// room's earlier events: the timeline starts at the session's first event (the room's writes are serialized by
    /// its lock, so nothing of the room lies between an earlier event and that one).
    /// </summary>
    private static RecentTimeline? RecentAfter(WriteSession session)
    {
        if (session.Positions.Count == 0) return session.Recent;
        if (session.Redacted) return RecentTimeline.Starting(session.Positions[^1].Position, []);
        return session.Recent?.Append(session.Timeline) ?? RecentTimeline.Starting(session.Positions[0].Position - 1, session.Timeline);
    }

    /// <summary>
    /// The notifications of events that leave the room's state as it was (a send into a room: its members are the
    /// committed ones) go into the events' own transaction, as Synapse stages push actions with the event: one round
    /// trip fewer before the members' syncs wake, and no crash between the event and its notifications. When the state
    /// changed, the listener evaluates them after the commit.
    /// </summary>
    private async Task BeginNotificationsAsync(HomeserverDbContext db, WriteSession session, CancellationToken cancellationToken)
    {
        if (session.StateGroup != session.InitialStateGroup || session.InitialStateGroup is null) return;
        var room = await snapshots.GetAsync(db, session.RoomId, session.StateGroup, cancellationToken);
        List<PersistedEvent> events = [.. session.PersistedEvents()];
        var rows = await eventNotifications.EvaluateAsync(db, room, events, cancellationToken);
        session.PushActionsWritten = true;
        if (rows.Count > 0) session.Notifications = eventNotifications.Begin(rows, room, events);
    }

    /// <summary>
    /// Committed, rolled back or failed half-way, the session's positions are final now: the stream may
    /// move past them (a position never released would hold every /sync back for good).
    /// </summary>
    private static void ReleasePositions(WriteSession session)
    {
        // Not completed: the write failed, and the cached unread rows it meant to extend are dropped.
        session.Notifications?.Dispose();
        foreach (var position in session.Positions) position.Dispose();
    }

    private async Task NotifyAsync(HomeserverDbContext db, string roomId, IReadOnlyList<PersistedEvent> persisted, bool local, CancellationToken cancellationToken)
    {
        var (woken, forward) = await PublishAsync(db, roomId, persisted, local, cancellationToken);
        notifier.NotifyUsers(woken);
        await RunListenersAsync(forward, roomId, cancellationToken);
    }

    /// <summary>
    /// Runs the listeners of new events; returns the local users whose /sync the events concern, and what to publish
    /// once they are woken (<see cref="RoomEventsToForward"/>).
    /// </summary>
    private async Task<(List<string> Woken, RoomEventsToForward Forward)> PublishAsync(HomeserverDbContext db, string roomId,
        IReadOnlyList<PersistedEvent> persisted, bool local, CancellationToken cancellationToken)
    {
        var suffix = ":" + options.ServerName;
        // The head a local write just left names the room's state group (GetAsync takes it): no query to check the cached members against.
        var room = await snapshots.GetAsync(db, roomId, cancellationToken);

        // Listeners first (as Synapse computes push actions before it notifies): the woken /sync then finds the
        // events and their notification counts together, instead of answering twice.
        await RunListenersAsync(new RoomEventsPersisted(roomId, persisted, local, room), roomId, cancellationToken);

        var users = room.Members.Select(m => m.UserId).ToList();
        // Whoever just left or was kicked/banned must see it too.
        users.AddRange(persisted.Where(p => p.Pdu.Membership is not null).Select(p => p.Pdu.StateKey!));
        return ([.. users.Where(u => u.EndsWith(suffix, StringComparison.Ordinal)).Distinct()], new RoomEventsToForward(roomId, persisted, local, room));
    }

    /// <summary>Publishes to a notification's listeners in a scope of their own; a failing listener is logged, not thrown.</summary>
    private async Task RunListenersAsync<TNotification>(TNotification notification, string roomId, CancellationToken cancellationToken)
        where TNotification : INotification
    {
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            await scope.ServiceProvider.GetRequiredService<IPublisher>().Publish(notification, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The events are committed: a failing listener must not turn the client's send into an error (the federation
            // and application-service queues catch up from the stream at the next start).
            logger.LogError(e, "A listener of {Notification} failed for events in {RoomId}", typeof(TNotification).Name, roomId);
        }
    }

    private Pdu Build(RoomVersion version, EventDraft draft, string? roomId, IReadOnlyList<string> prevEvents, IReadOnlyList<string> authEvents, long depth, IReferenceHashLookup? references)
    {
        try
        {
            return _builder.Build(version, TemplateOf(draft, roomId, prevEvents, authEvents, depth), references);
        }
        catch (PduValidationException e)
        {
            // The spec's size limits (64 KiB event, 255-byte type and state_key) answer 413, as Synapse does.
            throw e.Error is PduValidationError.TooLarge or PduValidationError.FieldTooLong
                ? MatrixException.TooLarge(e.Message)
                : MatrixException.BadJson(e.Message);
        }
        catch (Matrix.Crypto.CanonicalJsonException e)
        {
            // Content canonical JSON cannot encode (floats, out-of-range integers) cannot be signed.
            throw MatrixException.BadJson($"The event content is not valid canonical JSON: {e.Message}");
        }
    }

    /// <summary>
    /// The unsigned form (no hashes; v1/v2: a placeholder event ID) for another server's user to sign. It carries our
    /// signature only so the rules can judge it: when we vouch for a restricted join they ask for it, and we give it
    /// when the event comes back signed by its sender.
    /// </summary>
    private Pdu Template(RoomVersion version, EventDraft draft, string roomId, IReadOnlyList<string> prevEvents, IReadOnlyList<string> authEvents, long depth,
        IReferenceHashLookup references)
    {
        var json = EventBuilder.Unsigned(version, TemplateOf(draft, roomId, prevEvents, authEvents, depth), references);
        EventSigning.Sign(json, version, options.ServerName, signingKey.Key);
        return Pdu.FromJson(json, "$template:" + options.ServerName, version);
    }

    private EventTemplate TemplateOf(EventDraft draft, string? roomId, IReadOnlyList<string> prevEvents, IReadOnlyList<string> authEvents, long depth) => new()
    {
        Type = draft.Type,
        StateKey = draft.StateKey,
        Sender = draft.Sender,
        Content = draft.Content,
        RoomId = roomId,
        PrevEvents = prevEvents,
        AuthEvents = authEvents,
        Depth = depth,
        OriginServerTs = draft.OriginServerTs ?? Now(),
        Redacts = draft.Redacts,
    };

    private static string DomainOf(string userId) => userId[(userId.IndexOf(':', StringComparison.Ordinal) + 1)..];

    private long Now() => clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static string RandomId(int length) => System.Security.Cryptography.RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", length);

    /// <summary>v1/v2 rooms reference events with their reference hashes.</summary>
    private sealed class ReferenceHashes(IReadOnlyDictionary<string, Pdu> known) : IReferenceHashLookup
    {
        public string? FindReferenceHash(string eventId) =>
            known.TryGetValue(eventId, out var pdu) ? EventHashes.ReferenceHashBase64(pdu.Json, pdu.Version) : null;
    }

    /// <summary>The room as it stands while a batch of local events is written.</summary>
    private sealed class WriteSession(string roomId, RoomVersion version, ImmutableDictionary<StateKey, string> state, long? stateGroup, List<string> extremities, long depth,
        bool messagesInOneCommand)
    {
        public string RoomId { get; } = roomId;
        public RoomVersion Version { get; } = version;
        public ImmutableDictionary<StateKey, string> State { get; set; } = state;
        public long? StateGroup { get; set; } = stateGroup;
        public long? InitialStateGroup { get; } = stateGroup;
        public List<string> Extremities { get; set; } = extremities;
        public long Depth { get; set; } = depth;
        public List<Pdu> Pending { get; } = [];
        public List<StreamPositionHandle> Positions { get; } = [];
        public List<(long Id, ImmutableDictionary<StateKey, string> State)> NewGroups { get; } = [];

        /// <summary>The chain length of <see cref="StateGroup"/>, when known without a query (from the head or this session).</summary>
        public int? StateGroupChainLength { get; set; }

        /// <summary>The transaction, once something went through the context; a batch of messages alone needs none.</summary>
        public IDbContextTransaction? Transaction { get; set; }

        /// <summary>PostgreSQL: messages and state events not written yet, for one command (<see cref="LocalEventRows"/>). Null on SQLite.</summary>
        public List<LocalEventRows.LocalEvent>? Messages { get; } = messagesInOneCommand ? [] : null;

        /// <summary>PostgreSQL: a room being created, whose row goes in its events' batch.</summary>
        public Room? NewRoom { get; set; }

        /// <summary>A state event went through the context (SQLite, or a redaction with a state key): the room's row is updated at commit.</summary>
        public bool StateViaContext { get; set; }

        /// <summary>The room's state after a state event, in its new group.</summary>
        public void MoveState(ImmutableDictionary<StateKey, string> state, long groupId, int chainLength)
        {
            NewGroups.Add((groupId, state));
            State = state;
            StateGroup = groupId;
            StateGroupChainLength = chainLength;
        }

        /// <summary>Events added to the context but not inserted yet (no numeric ID, no edges).</summary>
        public List<(Event Row, Pdu Pdu)> Unflushed { get; } = [];

        /// <summary>The search text of the events written by <see cref="LocalEventRows"/>, queued for the indexer at commit.</summary>
        public List<Search.SearchEntry> Searchable { get; } = [];

        /// <summary>The room's newest timeline events before the session, when its head kept them.</summary>
        public RecentTimeline? Recent { get; init; }

        /// <summary>The session's events as timeline rows, in order.</summary>
        public List<TimelineRow> Timeline { get; } = [];

        /// <summary>The session redacted an event (whose kept timeline row would now be stale).</summary>
        public bool Redacted { get; set; }

        /// <summary>The session's notifications were evaluated for its own transaction (<see cref="Notifications"/>, if any).</summary>
        public bool PushActionsWritten { get; set; }

        /// <summary>The notification rows written with the session's events, completed after the commit.</summary>
        public EventNotifications.NotificationWrite? Notifications { get; set; }

        /// <summary>The session's events at their stream positions.</summary>
        public IEnumerable<PersistedEvent> PersistedEvents() =>
            Pending.Select((pdu, i) => new PersistedEvent(pdu, Positions[i].Position) { PushActionsWritten = PushActionsWritten });

        /// <summary>The events of the client transactions written in this session, for a retry queued in the same batch.</summary>
        public Dictionary<(string Sender, string DeviceId, string Path), PersistedEvent> Transactions { get; } = [];
    }
}
