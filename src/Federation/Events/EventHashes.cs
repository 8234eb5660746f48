using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Events;

/// <summary>
/// The content hash (server-server API "Calculating the content hash": the whole event minus unsigned,
/// signatures and hashes) and the reference hash (the redacted event minus signatures and unsigned).
/// </summary>
public static class EventHashes
{
    private static readonly string[] ContentHashExcluded = [PduKeys.Unsigned, PduKeys.Signatures, PduKeys.Hashes];
    private static readonly string[] ReferenceHashExcluded = [PduKeys.Signatures, PduKeys.Unsigned];

    /// <exception cref="CanonicalJsonException">The event cannot be encoded (e.g. a float, or an out-of-range integer in v6+).</exception>
    public static byte[] ComputeContentHash(JsonObject pdu, RoomVersion version) =>
        Sha256Hash.HashCanonical(pdu, ContentHashExcluded, version.CanonicalMode());

    /// <summary>Sets hashes.sha256 to the content hash, replacing any hashes already there.</summary>
    public static void AddContentHash(JsonObject pdu, RoomVersion version) =>
        pdu[PduKeys.Hashes] = new JsonObject { [PduKeys.Sha256] = UnpaddedBase64.Encode(ComputeContentHash(pdu, version)) };

    /// <summary>
    /// True when hashes.sha256 matches the content. A mismatch means the event was redacted in transit
    /// (or tampered with): the spec says to use the redacted form then.
    /// </summary>
    public static bool CheckContentHash(JsonObject pdu, RoomVersion version)
    {
        if (pdu[PduKeys.Hashes] is not JsonObject hashes || hashes[PduKeys.Sha256] is not JsonValue v || !v.TryGetValue(out string? claimed)) return false;
        if (!UnpaddedBase64.TryDecode(claimed, out var expected)) return false;
        try
        {
            return CryptographicOperations.FixedTimeEquals(expected, ComputeContentHash(pdu, version));
        }
        catch (CanonicalJsonException)
        {
            return false;
        }
    }

    /// <exception cref="CanonicalJsonException">The redacted event cannot be encoded.</exception>
    public static byte[] ComputeReferenceHash(JsonObject pdu, RoomVersion version) =>
        Sha256Hash.HashCanonical(Redaction.Redact(pdu, version, keepSignatures: false), ReferenceHashExcluded, version.CanonicalMode());

    /// <summary>The reference hash in unpadded standard base64, as v1/v2 prev_events/auth_events pairs carry it.</summary>
    public static string ReferenceHashBase64(JsonObject pdu, RoomVersion version) => UnpaddedBase64.Encode(ComputeReferenceHash(pdu, version));
}
