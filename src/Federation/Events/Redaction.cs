using System.Text.Json.Nodes;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Events;

/// <summary>
/// The redaction algorithm (room versions' "Redactions" sections): the keys an event keeps when redacted,
/// which are also the keys its signatures and reference hash cover. Version differences come from
/// <see cref="RoomVersion"/> flags only.
/// </summary>
public static class Redaction
{
    private static readonly string[] KeptBeforeV11 =
    [
        PduKeys.EventId, PduKeys.Type, PduKeys.RoomId, PduKeys.Sender, PduKeys.StateKey, PduKeys.Content, PduKeys.Hashes,
        PduKeys.Signatures, PduKeys.Depth, PduKeys.PrevEvents, PduKeys.PrevState, PduKeys.AuthEvents, PduKeys.Origin,
        PduKeys.OriginServerTs, PduKeys.Membership,
    ];

    // v11 (MSC2176) stops keeping origin, membership and prev_state.
    private static readonly string[] KeptFromV11 =
    [
        PduKeys.EventId, PduKeys.Type, PduKeys.RoomId, PduKeys.Sender, PduKeys.StateKey, PduKeys.Content, PduKeys.Hashes,
        PduKeys.Signatures, PduKeys.Depth, PduKeys.PrevEvents, PduKeys.AuthEvents, PduKeys.OriginServerTs,
    ];

    private static readonly string[] PowerLevelKeys = ["ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default"];

    /// <summary>A new object holding only what the redaction algorithm keeps; the input is not changed.</summary>
    public static JsonObject Redact(JsonObject pdu, RoomVersion version) => Redact(pdu, version, keepSignatures: true);

    /// <summary>The top-level keys a redacted event of this version keeps.</summary>
    public static IReadOnlyList<string> KeptTopLevelKeys(RoomVersion version) => version.UpdatedRedactionRules ? KeptFromV11 : KeptBeforeV11;

    /// <summary>
    /// Signing and hashing drop the signatures anyway, so they ask for a copy without them rather than clone and discard.
    /// </summary>
    internal static JsonObject Redact(JsonObject pdu, RoomVersion version, bool keepSignatures)
    {
        var redacted = new JsonObject();
        foreach (var key in KeptTopLevelKeys(version))
        {
            if (key == PduKeys.Content || (key == PduKeys.Signatures && !keepSignatures)) continue;
            if (pdu.TryGetPropertyValue(key, out var value)) redacted[key] = value?.DeepClone();
        }

        var type = pdu[PduKeys.Type] is JsonValue t && t.TryGetValue(out string? s) ? s : null;
        var content = pdu[PduKeys.Content] as JsonObject;
        redacted[PduKeys.Content] = content is null ? new JsonObject() : RedactContent(content, type, version);
        return redacted;
    }

    private static JsonObject RedactContent(JsonObject content, string? type, RoomVersion version)
    {
        var kept = new JsonObject();

        void Keep(string key)
        {
            if (content.TryGetPropertyValue(key, out var value)) kept[key] = value?.DeepClone();
        }

        switch (type)
        {
            case EventTypes.Member:
                Keep("membership");
                if (version.RedactionKeepsJoinAuthorisedVia) Keep("join_authorised_via_users_server");
                if (version.UpdatedRedactionRules && content["third_party_invite"] is JsonObject invite)
                {
                    // MSC3821: only the signed block survives, which the auth rules need.
                    var redactedInvite = new JsonObject();
                    if (invite.TryGetPropertyValue("signed", out var value)) redactedInvite["signed"] = value?.DeepClone();
                    kept["third_party_invite"] = redactedInvite;
                }

                break;
            case EventTypes.Create:
                // MSC2176: v11 keeps all of the create event's content.
                if (version.UpdatedRedactionRules) return (JsonObject)content.DeepClone();
                Keep("creator");
                break;
            case EventTypes.JoinRules:
                Keep("join_rule");
                if (version.RedactionKeepsJoinRulesAllow) Keep("allow");
                break;
            case EventTypes.PowerLevels:
                foreach (var key in PowerLevelKeys) Keep(key);
                if (version.UpdatedRedactionRules) Keep("invite");
                break;
            case EventTypes.Aliases when version.RedactionKeepsAliases:
                Keep("aliases");
                break;
            case EventTypes.HistoryVisibility:
                Keep("history_visibility");
                break;
            case EventTypes.Redaction when version.UpdatedRedactionRules:
                Keep("redacts");
                break;
        }

        return kept;
    }
}
