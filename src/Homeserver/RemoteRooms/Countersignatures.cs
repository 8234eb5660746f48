using System.Text.Json.Nodes;
using Matrix.Federation.Events;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>
/// Events of ours that another server signs too (a restricted join its user vouches for, an invite of its user):
/// what comes back must be our event unchanged apart from signatures, and we take only the signatures we expect.
/// </summary>
public static class Countersignatures
{
    /// <summary>Our event with the signatures of the servers <paramref name="take"/> accepts copied from the returned copy; null when the returned copy is another event.</summary>
    public static Pdu? Merge(Pdu ours, JsonObject returned, Func<string, bool> take)
    {
        if (!JsonNode.DeepEquals(WithoutSignatures(ours.Json), WithoutSignatures(returned))) return null;
        var merged = (JsonObject)ours.Json.DeepClone();
        var signatures = (JsonObject)merged[PduKeys.Signatures]!;
        foreach (var (server, byKey) in returned[PduKeys.Signatures] as JsonObject ?? [])
        {
            if (take(server) && byKey is JsonObject) signatures[server] = byKey.DeepClone();
        }

        return Pdu.FromJson(merged, ours.EventId, ours.Version);
    }

    private static JsonObject WithoutSignatures(JsonObject pdu)
    {
        var copy = (JsonObject)pdu.DeepClone();
        copy.Remove(PduKeys.Signatures);
        copy.Remove(PduKeys.Unsigned);
        return copy;
    }
}
