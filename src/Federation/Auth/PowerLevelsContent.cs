using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Auth;

/// <summary>
/// The content of one m.room.power_levels event, parsed once per event (events are immutable) so that
/// authorizing many events against the same state never re-reads a large users map.
/// </summary>
internal sealed class PowerLevelsContent
{
    /// <summary>The top-level levels, in the order the auth rules list them.</summary>
    public static readonly string[] NamedKeys = ["users_default", "events_default", "state_default", "ban", "redact", "kick", "invite"];

    public const int UsersDefault = 0, EventsDefault = 1, StateDefault = 2, Ban = 3, Redact = 4, Kick = 5, Invite = 6;

    private static readonly ConditionalWeakTable<Pdu, PowerLevelsContent> Cache = [];

    private static readonly Dictionary<string, long> Empty = new(StringComparer.Ordinal);

    private PowerLevelsContent(JsonObject content, RoomVersion version)
    {
        for (var i = 0; i < NamedKeys.Length; i++)
        {
            if (!content.TryGetPropertyValue(NamedKeys[i], out var node)) continue;
            if (PowerLevelValue.TryParse(node, version, out var level)) Named[i] = level;
            else Error ??= $"'{NamedKeys[i]}' is not an integer";
        }

        Users = ReadMap(content, "users", version, UserIds.IsValid, reportErrors: true);
        Events = ReadMap(content, "events", version, validateKey: null, reportErrors: true);
        // Before v6 notifications play no part in the auth rules, so nothing there can invalidate the event.
        Notifications = ReadMap(content, "notifications", version, validateKey: null, reportErrors: version.LimitNotificationsPowerLevels);
    }

    /// <summary>The top-level levels present in content, indexed like <see cref="NamedKeys"/>.</summary>
    public long?[] Named { get; } = new long?[7];

    public IReadOnlyDictionary<string, long> Users { get; }
    public IReadOnlyDictionary<string, long> Events { get; }
    public IReadOnlyDictionary<string, long> Notifications { get; }

    /// <summary>
    /// Why this content is not a valid power levels content for its room version, or null. Values that
    /// fail to parse are left out of the maps above, so readers fall back to the defaults.
    /// </summary>
    public string? Error { get; private set; }

    public static PowerLevelsContent Of(Pdu powerLevels) =>
        Cache.GetValue(powerLevels, static pdu => new PowerLevelsContent(pdu.Content, pdu.Version));

    private Dictionary<string, long> ReadMap(
        JsonObject content, string key, RoomVersion version, Func<string, bool>? validateKey, bool reportErrors)
    {
        if (!content.TryGetPropertyValue(key, out var node)) return Empty;
        if (node is not JsonObject map)
        {
            Report($"'{key}' is not an object");
            return Empty;
        }

        var result = new Dictionary<string, long>(map.Count, StringComparer.Ordinal);
        foreach (var (name, value) in map)
        {
            if (validateKey is not null && !validateKey(name)) Report($"'{key}' has '{name}', which is not a valid user ID");
            else if (PowerLevelValue.TryParse(value, version, out var level)) result[name] = level;
            else Report($"'{key}.{name}' is not an integer");
        }

        return result;

        void Report(string error)
        {
            if (reportErrors) Error ??= error;
        }
    }
}
