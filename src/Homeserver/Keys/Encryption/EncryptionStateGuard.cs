using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Keys.Encryption;

/// <summary>
/// Once a room is encrypted it stays encrypted with the same settings: a local m.room.encryption state
/// event that would change or remove the room's current one is refused, so a compromised or careless
/// client cannot silently downgrade a room to plaintext or to a weaker algorithm.
/// </summary>
public static class EncryptionStateGuard
{
    /// <param name="current">The room's current m.room.encryption content, if any.</param>
    /// <exception cref="MatrixException">403 M_FORBIDDEN when the content differs from the current one.</exception>
    public static void Check(string type, string stateKey, JsonObject? current, JsonObject content)
    {
        if (type != EventTypes.Encryption || stateKey.Length != 0 || current is null) return;
        if (current["algorithm"] is null) return;
        if (!JsonNode.DeepEquals(current, content)) throw MatrixException.Forbidden("Encryption cannot be turned off or changed once it is enabled in a room");
    }
}
