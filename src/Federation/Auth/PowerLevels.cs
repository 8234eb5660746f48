using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Auth;

/// <summary>
/// The power levels in force in a room state: the m.room.power_levels event (if any) with the spec's
/// defaults, and the creators from m.room.create. Cheap to build: both events are parsed once and cached.
/// </summary>
public readonly struct PowerLevels
{
    /// <summary>The level of a v12 room creator: higher than any level an event can state.</summary>
    public const long CreatorLevel = long.MaxValue;

    private static readonly StateKey CreateKey = new(EventTypes.Create, "");
    private static readonly StateKey PowerLevelsKey = new(EventTypes.PowerLevels, "");

    private readonly PowerLevelsContent? _content;
    private readonly CreateEventContent? _create;
    private readonly bool _privilegedCreators;

    private PowerLevels(Pdu? create, Pdu? powerLevels)
    {
        _create = create is null ? null : CreateEventContent.Of(create);
        _content = powerLevels is null ? null : PowerLevelsContent.Of(powerLevels);
        _privilegedCreators = create?.Version.PrivilegedCreators ?? false;
    }

    public static PowerLevels FromState(IReadOnlyDictionary<StateKey, Pdu> state) =>
        new(state.GetValueOrDefault(CreateKey), state.GetValueOrDefault(PowerLevelsKey));

    /// <summary>From the events themselves (state resolution reads them from an event's auth events).</summary>
    public static PowerLevels From(Pdu? create, Pdu? powerLevels) => new(create, powerLevels);

    public bool HasPowerLevelsEvent => _content is not null;

    public long Ban => Named(PowerLevelsContent.Ban, 50);
    public long Kick => Named(PowerLevelsContent.Kick, 50);
    public long Redact => Named(PowerLevelsContent.Redact, 50);
    public long Invite => Named(PowerLevelsContent.Invite, 0);
    public long StateDefault => Named(PowerLevelsContent.StateDefault, 50);
    public long EventsDefault => Named(PowerLevelsContent.EventsDefault, 0);
    public long UsersDefault => Named(PowerLevelsContent.UsersDefault, 0);

    /// <summary>Whether <paramref name="userId"/> is a v12 room creator (infinite power).</summary>
    public bool IsCreator(string userId) => _privilegedCreators && _create is not null && _create.Creators.Contains(userId);

    public long UserLevel(string userId)
    {
        if (IsCreator(userId)) return CreatorLevel;
        if (_content is null) return _create is not null && _create.Creator == userId ? 100 : 0;
        return _content.Users.TryGetValue(userId, out var level) ? level : UsersDefault;
    }

    /// <summary>The spec's "required power level" to send an event of <paramref name="type"/>.</summary>
    public long EventLevel(string type, bool isState) =>
        _content is not null && _content.Events.TryGetValue(type, out var level) ? level
        : isState ? StateDefault : EventsDefault;

    /// <summary>The level to trigger a notification kind (e.g. "room"); 50 by default.</summary>
    public long NotificationLevel(string key) =>
        _content is not null && _content.Notifications.TryGetValue(key, out var level) ? level : 50;

    private long Named(int index, long fallback) => _content?.Named[index] ?? fallback;
}
