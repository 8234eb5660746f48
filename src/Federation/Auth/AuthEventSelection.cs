using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Auth;

/// <summary>
/// The spec's "auth events selection": which state keys' current events become an event's
/// auth_events. The authorizer also uses it to reject auth_events that were not asked for.
/// </summary>
public static class AuthEventSelection
{
    public const string JoinAuthorisedViaKey = "join_authorised_via_users_server";

    private static readonly StateKey CreateKey = new(EventTypes.Create, "");
    private static readonly StateKey PowerLevelsKey = new(EventTypes.PowerLevels, "");
    private static readonly StateKey JoinRulesKey = new(EventTypes.JoinRules, "");

    /// <summary>The keys for an event about to be built; empty for m.room.create.</summary>
    public static IReadOnlyList<StateKey> Select(RoomVersion version, string type, string? stateKey, string sender, JsonObject content)
    {
        if (type == EventTypes.Create) return [];

        var keys = new List<StateKey>(6);
        // v12: the room ID names the create event, so it is never listed.
        if (!version.RoomIdIsCreateEventHash) keys.Add(CreateKey);
        keys.Add(PowerLevelsKey);
        keys.Add(new StateKey(EventTypes.Member, sender));

        if (type != EventTypes.Member || stateKey is null) return keys;

        AddOnce(keys, new StateKey(EventTypes.Member, stateKey));
        var membership = StringAt(content, "membership");
        if (membership is Memberships.Join or Memberships.Invite or Memberships.Knock) keys.Add(JoinRulesKey);

        if (membership == Memberships.Invite
            && content["third_party_invite"] is JsonObject thirdParty
            && thirdParty["signed"] is JsonObject signed
            && StringAt(signed, "token") is { } token)
        {
            keys.Add(new StateKey(EventTypes.ThirdPartyInvite, token));
        }

        if (version.RestrictedJoinRule && membership == Memberships.Join && StringAt(content, JoinAuthorisedViaKey) is { } via)
        {
            AddOnce(keys, new StateKey(EventTypes.Member, via));
        }

        return keys;
    }

    public static IReadOnlyList<StateKey> Select(Pdu pdu) => Select(pdu.Version, pdu.Type, pdu.StateKey, pdu.Sender, pdu.Content);

    internal static string? StringAt(JsonObject json, string key) =>
        json[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static void AddOnce(List<StateKey> keys, StateKey key)
    {
        if (!keys.Contains(key)) keys.Add(key);
    }
}
