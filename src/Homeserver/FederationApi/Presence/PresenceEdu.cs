using System.Text.Json.Nodes;
using Matrix.Homeserver.FederationApi.Ephemeral;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Sync.Presence;

namespace Matrix.Homeserver.FederationApi.Presence;

/// <summary>The m.presence EDU (spec: server-server "Presence"): <c>{"push": [{user_id, presence, last_active_ago, ...}]}</c>.</summary>
public static class PresenceEdu
{
    public const string Type = "m.presence";

    /// <summary>A status message longer than this is refused: remote presence is held in memory.</summary>
    public const int MaxStatusLength = 4096;

    /// <summary>A content pushing one user's presence as it is now.</summary>
    public static JsonObject Content(UserPresence presence, long now)
    {
        var entry = presence.Content(now);
        entry["user_id"] = presence.UserId;
        // Required by the EDU's schema: with no activity ever, the time since the epoch says "long ago".
        entry["last_active_ago"] ??= now - Math.Max(0, presence.LastActiveTs);
        entry["currently_active"] = presence.CurrentlyActive;
        return new JsonObject { ["push"] = new JsonArray(entry) };
    }

    /// <summary>
    /// Reads one push entry sent by <paramref name="origin"/>: the user must be of that server, presence one of the three
    /// states, last_active_ago (when given) a non-negative integer, status_msg and currently_active of their types.
    /// A missing last_active_ago leaves the last one known (as Synapse).
    /// </summary>
    public static RemotePresenceUpdate? Parse(JsonNode? node, string origin)
    {
        if (node is not JsonObject entry) return null;
        var userId = JsonFields.String(entry, "user_id");
        if (userId is null || !OriginUsers.IsOf(userId, origin)) return null;
        if (PresenceStates.FromWire(JsonFields.String(entry, "presence")) is not { } state) return null;

        long? lastActiveAgo = null;
        if (entry["last_active_ago"] is { } ago)
        {
            if (ago is not JsonValue agoValue || !agoValue.TryGetValue(out long value) || value < 0) return null;
            lastActiveAgo = value;
        }

        var statusMsg = JsonFields.String(entry, "status_msg");
        if ((statusMsg is null && entry["status_msg"] is not null) || statusMsg?.Length > MaxStatusLength) return null;

        var currentlyActive = false;
        if (entry["currently_active"] is { } active && (active is not JsonValue activeValue || !activeValue.TryGetValue(out currentlyActive))) return null;
        return new RemotePresenceUpdate(userId, state, statusMsg, lastActiveAgo, currentlyActive);
    }
}
