using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Homeserver.FederationApi.Ingest;

/// <summary>A received PDU after the checks every ingress applies: the PDU to go on with, or why it was dropped.</summary>
/// <param name="EventId">The event's ID when it could be computed, for the per-PDU answer.</param>
/// <param name="BadSignature">Dropped because a required server's signature is missing or wrong.</param>
public sealed record CheckedPdu(Pdu? Pdu, string? EventId, string? Error, bool BadSignature = false)
{
    public static CheckedPdu Dropped(string? eventId, string error, bool badSignature = false) => new(null, eventId, error, badSignature);
}

/// <summary>
/// Steps 1–3 of "Checks performed on receipt of a PDU", the same for every way an event reaches us (/send,
/// /get_missing_events, /backfill, /event, /state, /event_auth): the event format of the room's version (else
/// dropped), the signatures of every required server (else dropped), and the content hash (else the event goes
/// on redacted, as the spec says: we may only have been given the redacted copy).
/// </summary>
public sealed class ReceivedPduChecks(IServerKeyLookup keys, ILogger<ReceivedPduChecks> logger)
{
    /// <param name="roomId">The room the event must belong to.</param>
    /// <param name="enforceReferenceLimits">False for history and auth chains (see <see cref="PduParser.Parse(JsonObject, RoomVersion, bool)"/>).</param>
    public async Task<CheckedPdu> CheckAsync(JsonObject json, RoomVersion version, string roomId, bool enforceReferenceLimits, CancellationToken cancellationToken)
    {
        Pdu pdu;
        try
        {
            pdu = PduParser.Parse(json, version, enforceReferenceLimits);
        }
        catch (PduValidationException e)
        {
            return CheckedPdu.Dropped(TryEventId(json, version), $"invalid event: {e.Message}");
        }

        if (pdu.RoomId != roomId) return CheckedPdu.Dropped(pdu.EventId, "the event is not in the expected room");

        var signatures = await EventSigning.VerifyAsync(pdu, keys, cancellationToken);
        if (!signatures.IsValid)
        {
            logger.LogInformation("Dropped {EventId}: {Signatures}", pdu.EventId, signatures);
            return CheckedPdu.Dropped(pdu.EventId, $"bad signature: {signatures}", badSignature: true);
        }

        if (!EventHashes.CheckContentHash(pdu.Json, version))
        {
            logger.LogInformation("Content hash of {EventId} does not match: using its redacted form", pdu.EventId);
            pdu = Pdu.FromJson(Redaction.Redact(pdu.Json, version), pdu.EventId, version);
        }

        return new CheckedPdu(pdu, pdu.EventId, null);
    }

    /// <summary>The event ID for an error answer, when the JSON allows computing one.</summary>
    private static string? TryEventId(JsonObject json, RoomVersion version)
    {
        try
        {
            return EventIds.Compute(json, version);
        }
        catch (Exception e) when (e is CanonicalJsonException or PduFormatException or InvalidOperationException)
        {
            return null;
        }
    }
}
