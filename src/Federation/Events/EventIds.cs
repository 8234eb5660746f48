using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Events;

/// <summary>Event IDs per room version: chosen by the sending server in v1/v2, the reference hash from v3.</summary>
public static class EventIds
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>
    /// The event's ID: for v1/v2 its <c>event_id</c> key; for v3 <c>$</c> + standard base64 of the reference
    /// hash; for v4+ the same in URL-safe base64.
    /// </summary>
    /// <exception cref="PduFormatException">A v1/v2 event has no string event_id.</exception>
    /// <exception cref="CanonicalJsonException">The redacted event cannot be encoded.</exception>
    public static string Compute(JsonObject pdu, RoomVersion version) => version.EventFormat == EventFormat.V1
        ? pdu[PduKeys.EventId] is JsonValue v && v.TryGetValue(out string? id) ? id : throw new PduFormatException("event_id must be a string")
        : FromReferenceHash(EventHashes.ComputeReferenceHash(pdu, version), version)!;

    /// <summary>The v3+ event ID of an event with this reference hash; null for v1/v2, whose IDs are chosen, not derived.</summary>
    public static string? FromReferenceHash(byte[] referenceHash, RoomVersion version) => version.EventFormat switch
    {
        EventFormat.V1 => null,
        EventFormat.V2 => "$" + UnpaddedBase64.Encode(referenceHash),
        _ => "$" + UnpaddedBase64.EncodeUrlSafe(referenceHash),
    };

    /// <summary>A fresh v1/v2 event ID <c>$random:server</c> with 128 bits of randomness.</summary>
    public static string Generate(ServerName server) => "$" + RandomNumberGenerator.GetString(Alphabet, 22) + ":" + server.Value;
}
