using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Sync.Presence;

public enum PresenceState
{
    Offline,
    Unavailable,
    Online,
}

public static class PresenceStates
{
    public static string ToWire(this PresenceState state) => state switch
    {
        PresenceState.Online => "online",
        PresenceState.Unavailable => "unavailable",
        _ => "offline",
    };

    public static PresenceState? FromWire(string? value) => value switch
    {
        "online" => PresenceState.Online,
        "unavailable" => PresenceState.Unavailable,
        "offline" => PresenceState.Offline,
        _ => null,
    };
}

/// <summary>
/// A user's presence as the server holds it; <see cref="Serial"/> is the ephemeral serial of its last visible change.
/// For a remote user <see cref="LastUserSyncTs"/> is when its server last told us (its sign of life).
/// </summary>
public sealed record UserPresence(string UserId, PresenceState State, string? StatusMsg, long LastActiveTs, long LastUserSyncTs, bool CurrentlyActive, long Serial)
{
    /// <summary>Activity closer together than this does not count as a change (Synapse's LAST_ACTIVE_GRANULARITY).</summary>
    public const long ActiveGranularityMs = 60_000;

    /// <summary>
    /// Whether users watching would see a difference (Synapse's should_notify): last_active moves quietly within the
    /// granularity, clients are told currently_active instead.
    /// </summary>
    public bool DiffersVisiblyFrom(UserPresence old) =>
        State != old.State || StatusMsg != old.StatusMsg || CurrentlyActive != old.CurrentlyActive || LastActiveTs - old.LastActiveTs > ActiveGranularityMs;

    /// <summary>The m.presence content (spec: m.presence; GET /presence/{userId}/status).</summary>
    public JsonObject Content(long now) => PresenceEvent.Content(this, now);
}
