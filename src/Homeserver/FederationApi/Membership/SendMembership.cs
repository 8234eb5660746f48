using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Policy;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Policy;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.FederationApi.Acl;
using Matrix.Homeserver.FederationApi.Events;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.ServerKeys;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Membership;

/// <summary>PUT /send_join, /send_leave, /send_knock: the signed membership event of a user of the calling server.</summary>
public sealed record SendMembershipCommand(string Origin, string RoomId, string EventId, string Membership, JsonObject Event) : ICommand<JsonObject>;

/// <summary>
/// Takes a remote user's join, leave or knock into one of our rooms: the event is checked
/// (<see cref="ReceivedMembershipEvent"/>), a restricted join vouched for by one of our users is signed by us once
/// the user's right to it is checked again, every required signature must hold, and the event goes through the
/// one path for remote events: rejected or soft-failed, it is refused with 403. Accepted, it is sent on to the
/// other servers in the room (the joining server only told us). The answer: for a join, the state before it and its
/// auth chain, and the event as we accepted it; for a knock, the room's stripped state; for a leave, nothing.
/// </summary>
public sealed class SendMembershipHandler(
    HomeserverDbContext db, EventStore events, StateGroupStore stateGroups, ServerAclChecker acls, RestrictedRemoteJoins restricted,
    RoomEventWriter writer, IServerKeyLookup keys, ServerSigningKey signingKey, ServerEventView view, StrippedRoomState strippedState,
    FederationOutbox outbox, RoomServers servers, RoomPolicyServers policyServers, HomeserverOptions options)
    : ICommandHandler<SendMembershipCommand, JsonObject>
{
    public async ValueTask<JsonObject> Handle(SendMembershipCommand command, CancellationToken cancellationToken)
    {
        var version = await MakeMembershipHandler.KnownRoomAsync(db, events, servers, command.RoomId, options.ServerName, cancellationToken);
        if (!await acls.IsAllowedAsync(db, command.RoomId, command.Origin, cancellationToken)) throw MatrixException.Forbidden("Server is denied by the room's server ACL");
        var pdu = ReceivedMembershipEvent.Parse(command.Event, version, command.RoomId, command.EventId, command.Membership);
        ReceivedMembershipEvent.EnsureOwnMembership(pdu, command.Origin);
        if (pdu.Content[AuthEventSelection.JoinAuthorisedViaKey] is not null && version.RestrictedJoinRule && command.Membership == Memberships.Join)
        {
            pdu = await AuthoriseAsync(pdu, cancellationToken);
        }

        var signatures = await EventSigning.VerifyAsync(pdu, keys, cancellationToken);
        if (!signatures.IsValid) throw ReceivedMembershipEvent.BadSignature(signatures);

        PolicyServer? policyServer;
        (pdu, policyServer) = await policyServers.PrepareReceivedAsync(db, pdu, cancellationToken);
        var result = await writer.PersistRemoteAsync(new IncomingEvent(pdu) { PolicyServer = policyServer }, cancellationToken);
        if (result.Outcome is IncomingOutcome.Rejected or IncomingOutcome.SoftFailed)
        {
            throw MatrixException.Forbidden($"The {command.Membership} event was not allowed: {result.Reason ?? "not allowed by the room's current state"}");
        }

        if (result.Outcome == IncomingOutcome.Accepted) await RelayAsync(pdu, command.Origin, cancellationToken);
        return command.Membership switch
        {
            Memberships.Join => await JoinAnswerAsync(pdu, cancellationToken),
            Memberships.Knock => new JsonObject { ["knock_room_state"] = await strippedState.BuildAsync(db, pdu.RoomId, null, cancellationToken) },
            _ => [],
        };
    }

    /// <summary>
    /// A restricted join naming one of our users: checked again (the user may have left the allowed rooms since
    /// make_join), then signed by us, as the authorising server must.
    /// </summary>
    private async Task<Pdu> AuthoriseAsync(Pdu pdu, CancellationToken cancellationToken)
    {
        var authoriser = pdu.Content[AuthEventSelection.JoinAuthorisedViaKey] is JsonValue v && v.TryGetValue(out string? id) ? id : null;
        if (!UserId.TryParse(authoriser, out var user, out _) || user.Server.Value != options.ServerName)
        {
            throw MatrixException.InvalidParam("join_authorised_via_users_server does not name a user of this server");
        }

        if (await restricted.RulesNeedingAuthorisationAsync(db, pdu.RoomId, pdu.Version, pdu.Sender, cancellationToken) is { } rules)
        {
            await restricted.EnsureInAllowedRoomAsync(db, pdu.Sender, rules, cancellationToken);
        }

        var json = (JsonObject)pdu.Json.DeepClone();
        EventSigning.Sign(json, pdu.Version, options.ServerName, signingKey.Key);
        return Pdu.FromJson(json, pdu.EventId, pdu.Version);
    }

    /// <summary>The joining server only told us: every other server in the room hears of the event from us.</summary>
    private async Task RelayAsync(Pdu pdu, string origin, CancellationToken cancellationToken)
    {
        var joined = await servers.GetJoinedAsync(db, pdu.RoomId, cancellationToken);
        var destinations = RoomEventsSender.Destinations(pdu.Type, pdu.StateKey, pdu.Membership, joined).Where(d => d != origin && d != options.ServerName);
        await outbox.EnqueuePdusAsync(destinations.Select(d => (d, pdu.EventId)), position: null, cancellationToken);
    }

    /// <summary>The state before the join (the state the joining server starts from), its auth chain, and the join as we hold it.</summary>
    private async Task<JsonObject> JoinAnswerAsync(Pdu join, CancellationToken cancellationToken)
    {
        var row = await db.Events.AsNoTracking().Where(e => e.EventId == join.EventId)
            .Select(e => new { e.StateGroup, e.ReplacesState }).FirstAsync(cancellationToken);
        var state = await stateGroups.LoadAsync(db, row.StateGroup ?? throw new InvalidOperationException($"join {join.EventId} has no state"), cancellationToken);
        state = row.ReplacesState is { } replaced ? state.SetItem(join.StateTuple, replaced) : state.Remove(join.StateTuple);

        var stateIds = state.Values.ToList();
        var authIds = await AuthChains.GetAsync(db, events, stateIds, includeGiven: false, cancellationToken);
        var stored = await events.GetAsync(db, join.EventId, cancellationToken) ?? join;
        return new JsonObject
        {
            ["origin"] = options.ServerName,
            ["state"] = new JsonArray([.. await view.AsStoredAsync(db, stateIds, cancellationToken)]),
            ["auth_chain"] = new JsonArray([.. await view.AsStoredAsync(db, authIds, cancellationToken)]),
            ["event"] = ServerEventView.ToFederation(stored, redacted: false),
            ["members_omitted"] = false,
        };
    }
}
