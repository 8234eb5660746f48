using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Auth;

/// <summary>The auth rules for m.room.power_levels changes (rule 9 in v6–v11; 10 in v1–v5 and v12).</summary>
internal static class PowerLevelsRules
{
    public static AuthResult Check(Pdu pdu, IReadOnlyDictionary<StateKey, Pdu> state, Pdu create, PowerLevels levels)
    {
        var next = PowerLevelsContent.Of(pdu);
        if (next.Error is { } error) return AuthResult.Reject($"m.room.power_levels: {error}");

        if (pdu.Version.PrivilegedCreators)
        {
            foreach (var creator in CreateEventContent.Of(create).Creators)
            {
                if (next.Users.ContainsKey(creator)) return AuthResult.Reject($"m.room.power_levels: users lists the room creator {creator}");
            }
        }

        if (!state.TryGetValue(new StateKey(EventTypes.PowerLevels, ""), out var previous)) return AuthResult.Allowed;
        var current = PowerLevelsContent.Of(previous);
        var senderLevel = levels.UserLevel(pdu.Sender);

        for (var i = 0; i < PowerLevelsContent.NamedKeys.Length; i++)
        {
            if (ChangeExceeds(current.Named[i], next.Named[i], senderLevel, oldMayEqualSender: true))
            {
                return AuthResult.Reject($"m.room.power_levels: changing '{PowerLevelsContent.NamedKeys[i]}' needs a higher level than the sender's");
            }
        }

        if (FirstChangeExceeding(current.Events, next.Events, senderLevel, ownEntry: null) is { } eventType)
        {
            return AuthResult.Reject($"m.room.power_levels: changing events['{eventType}'] needs a higher level than the sender's");
        }

        if (pdu.Version.LimitNotificationsPowerLevels
            && FirstChangeExceeding(current.Notifications, next.Notifications, senderLevel, ownEntry: null) is { } notification)
        {
            return AuthResult.Reject($"m.room.power_levels: changing notifications['{notification}'] needs a higher level than the sender's");
        }

        return FirstChangeExceeding(current.Users, next.Users, senderLevel, ownEntry: pdu.Sender) is { } user
            ? AuthResult.Reject($"m.room.power_levels: the sender may not change the level of {user}")
            : AuthResult.Allowed;
    }

    /// <summary>
    /// The first key whose entry was added, changed or removed where the old value exceeds
    /// <paramref name="senderLevel"/> or the new one exceeds it. For the users map
    /// <paramref name="ownEntry"/> is the sender, and other users' old values fail already at equality.
    /// </summary>
    private static string? FirstChangeExceeding(
        IReadOnlyDictionary<string, long> current, IReadOnlyDictionary<string, long> next, long senderLevel, string? ownEntry)
    {
        foreach (var (key, oldValue) in current)
        {
            long? newValue = next.TryGetValue(key, out var n) ? n : null;
            // In users, another user's entry equal to the sender's level is already out of reach.
            var oldMayEqualSender = ownEntry is null || key == ownEntry;
            if (ChangeExceeds(oldValue, newValue, senderLevel, oldMayEqualSender)) return key;
        }

        foreach (var (key, newValue) in next)
        {
            if (!current.ContainsKey(key) && newValue > senderLevel) return key;
        }

        return null;
    }

    private static bool ChangeExceeds(long? oldValue, long? newValue, long senderLevel, bool oldMayEqualSender) =>
        oldValue != newValue
        && ((oldValue is { } old && (oldMayEqualSender ? old > senderLevel : old >= senderLevel)) || newValue > senderLevel);
}
