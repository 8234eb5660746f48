using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;

namespace Matrix.Homeserver.FederationApi.Membership;

/// <summary>
/// The checks every membership endpoint applies to the event another server sends (send_join, send_leave,
/// send_knock, invite), with the spec's M_INVALID_PARAM: the room version's event format, the event and room IDs of
/// the path, an m.room.member event of the expected membership, and, so that we never sign or accept an event for
/// someone else, who it is about. An event the calling server may not send (another server's user, a signature
/// that does not hold) is 403 M_FORBIDDEN, as Synapse answers.
/// </summary>
public static class ReceivedMembershipEvent
{
    /// <exception cref="MatrixException">400 M_INVALID_PARAM when a check fails.</exception>
    public static Pdu Parse(JsonObject json, RoomVersion version, string roomId, string eventId, string membership)
    {
        Pdu pdu;
        try
        {
            pdu = PduParser.Parse((JsonObject)json.DeepClone(), version);
        }
        catch (PduValidationException e)
        {
            throw MatrixException.InvalidParam($"Invalid event: {e.Message}");
        }

        if (pdu.EventId != eventId) throw MatrixException.InvalidParam("The event ID does not match the request path");
        if (pdu.RoomId != roomId) throw MatrixException.InvalidParam("The event is not in the room of the request path");
        if (pdu.Type != EventTypes.Member || pdu.StateKey is null) throw MatrixException.InvalidParam("Not a membership event");
        if (pdu.Membership != membership) throw MatrixException.InvalidParam($"Not a {membership} event");
        if (!EventHashes.CheckContentHash(pdu.Json, version)) throw MatrixException.InvalidParam("The event's content hash does not match");
        return pdu;
    }

    /// <summary>send_join, send_leave, send_knock: a user of the calling server, changing their own membership.</summary>
    public static void EnsureOwnMembership(Pdu pdu, string origin)
    {
        if (RequestIds.ServerOf(pdu.Sender) != origin) throw NotFromOrigin();
        if (pdu.StateKey != pdu.Sender) throw MatrixException.InvalidParam("The state_key must be the sender");
    }

    /// <summary>A signature check that failed.</summary>
    public static MatrixException BadSignature(object check) => MatrixException.Forbidden($"The event's signatures do not check out: {check}");

    /// <summary>The event's sender is not a user of the server that sent it.</summary>
    public static MatrixException NotFromOrigin() => MatrixException.Forbidden("The sender is not a user of the calling server");
}
