namespace Matrix.Federation.Rooms;

/// <summary>How event IDs are formed and how prev/auth event references are written.</summary>
public enum EventFormat
{
    /// <summary>v1–v2: the server picks <c>$opaque:server</c>; prev_events/auth_events are [id, hashes] pairs.</summary>
    V1,
    /// <summary>v3: the event ID is the reference hash in standard unpadded base64.</summary>
    V2,
    /// <summary>v4+: the event ID is the reference hash in URL-safe unpadded base64.</summary>
    V3,
}

/// <summary>Which state resolution algorithm a room version uses.</summary>
public enum StateResolutionAlgorithm
{
    V1,
    V2,
    /// <summary>v12 (MSC4297): state resolution v2.1.</summary>
    V2Point1,
}

/// <summary>
/// One room version's rules. Every behaviour that differs between versions is a named property here
/// and is read where the rule applies, so the version table below is the only place versions differ.
/// </summary>
public sealed record RoomVersion
{
    public required string Id { get; init; }
    public required EventFormat EventFormat { get; init; }
    public required StateResolutionAlgorithm StateResolution { get; init; }

    /// <summary>v1–v4: signing keys' valid_until_ts is not enforced (v5+ enforce it).</summary>
    public required bool EnforceKeyValidity { get; init; }

    /// <summary>v1–v5: m.room.aliases has its own auth rule (sender's domain must equal state_key).</summary>
    public required bool SpecialCaseAliasesAuth { get; init; }

    /// <summary>
    /// v1–v2: m.room.redaction has its own auth rule (redact level, or the redacted event's ID has the
    /// redaction's ID domain). From v3 redactions are authorized like any event and checked on application.
    /// </summary>
    public required bool SpecialCaseRedactionAuth { get; init; }

    /// <summary>v6+: events must be strict canonical JSON (integers in range, no floats).</summary>
    public required bool StrictCanonicalJson { get; init; }

    /// <summary>v6+: the notifications key of power levels is checked when power levels change.</summary>
    public required bool LimitNotificationsPowerLevels { get; init; }

    /// <summary>v1–v5: redaction keeps content.aliases of m.room.aliases.</summary>
    public required bool RedactionKeepsAliases { get; init; }

    /// <summary>v7+: the knock membership and join rule exist.</summary>
    public required bool KnockJoinRule { get; init; }

    /// <summary>v8+: the restricted join rule exists (join_authorised_via_users_server).</summary>
    public required bool RestrictedJoinRule { get; init; }

    /// <summary>v8+: redaction keeps content.allow of m.room.join_rules.</summary>
    public required bool RedactionKeepsJoinRulesAllow { get; init; }

    /// <summary>v9+: redaction keeps content.join_authorised_via_users_server of m.room.member.</summary>
    public required bool RedactionKeepsJoinAuthorisedVia { get; init; }

    /// <summary>v10+: the knock_restricted join rule exists.</summary>
    public required bool KnockRestrictedJoinRule { get; init; }

    /// <summary>v10+: power level values must be integers, not strings.</summary>
    public required bool EnforceIntPowerLevels { get; init; }

    /// <summary>v11+ (MSC2175): the create event's sender is the creator; content.creator is not required.</summary>
    public required bool ImplicitRoomCreator { get; init; }

    /// <summary>v11+ (MSC2174): m.room.redaction carries redacts in content, not at the top level.</summary>
    public required bool RedactsInContent { get; init; }

    /// <summary>
    /// v11+ (MSC2176, MSC3821, MSC3989): the updated redaction algorithm: create keeps all content,
    /// power levels keep invite, redaction keeps redacts, member keeps third_party_invite.signed,
    /// and origin/membership/prev_state are no longer top-level keys kept.
    /// </summary>
    public required bool UpdatedRedactionRules { get; init; }

    /// <summary>v12 (MSC4291): the room ID is the create event's reference hash, and create has no room_id.</summary>
    public required bool RoomIdIsCreateEventHash { get; init; }

    /// <summary>v12 (MSC4289): the create sender and content.additional_creators have infinite power.</summary>
    public required bool PrivilegedCreators { get; init; }

    /// <summary>
    /// v11+: sender, room_id, state_key, type and event_id longer than 255 bytes make an event invalid.
    /// Earlier versions only drop events over 255 code points and reject (but keep) those over 255 bytes,
    /// as Synapse does, so rooms holding such events still resolve.
    /// </summary>
    public required bool StrictEventByteLimits { get; init; }

    public bool IsKnownEventIdHashFormat => EventFormat != EventFormat.V1;
}

/// <summary>The table of every room version this server knows.</summary>
public static class RoomVersions
{
    public static readonly RoomVersion V1 = new()
    {
        Id = "1",
        EventFormat = EventFormat.V1,
        StateResolution = StateResolutionAlgorithm.V1,
        EnforceKeyValidity = false,
        SpecialCaseAliasesAuth = true,
        SpecialCaseRedactionAuth = true,
        StrictCanonicalJson = false,
        LimitNotificationsPowerLevels = false,
        RedactionKeepsAliases = true,
        KnockJoinRule = false,
        RestrictedJoinRule = false,
        RedactionKeepsJoinRulesAllow = false,
        RedactionKeepsJoinAuthorisedVia = false,
        KnockRestrictedJoinRule = false,
        EnforceIntPowerLevels = false,
        ImplicitRoomCreator = false,
        RedactsInContent = false,
        UpdatedRedactionRules = false,
        RoomIdIsCreateEventHash = false,
        PrivilegedCreators = false,
        StrictEventByteLimits = false,
    };

    public static readonly RoomVersion V2 = V1 with { Id = "2", StateResolution = StateResolutionAlgorithm.V2 };
    public static readonly RoomVersion V3 = V2 with { Id = "3", EventFormat = EventFormat.V2, SpecialCaseRedactionAuth = false };
    public static readonly RoomVersion V4 = V3 with { Id = "4", EventFormat = EventFormat.V3 };
    public static readonly RoomVersion V5 = V4 with { Id = "5", EnforceKeyValidity = true };

    public static readonly RoomVersion V6 = V5 with
    {
        Id = "6",
        SpecialCaseAliasesAuth = false,
        StrictCanonicalJson = true,
        LimitNotificationsPowerLevels = true,
        RedactionKeepsAliases = false,
    };

    public static readonly RoomVersion V7 = V6 with { Id = "7", KnockJoinRule = true };
    public static readonly RoomVersion V8 = V7 with { Id = "8", RestrictedJoinRule = true, RedactionKeepsJoinRulesAllow = true };
    public static readonly RoomVersion V9 = V8 with { Id = "9", RedactionKeepsJoinAuthorisedVia = true };
    public static readonly RoomVersion V10 = V9 with { Id = "10", KnockRestrictedJoinRule = true, EnforceIntPowerLevels = true };

    public static readonly RoomVersion V11 = V10 with
    {
        Id = "11",
        ImplicitRoomCreator = true,
        RedactsInContent = true,
        UpdatedRedactionRules = true,
        StrictEventByteLimits = true,
    };

    public static readonly RoomVersion V12 = V11 with
    {
        Id = "12",
        StateResolution = StateResolutionAlgorithm.V2Point1,
        RoomIdIsCreateEventHash = true,
        PrivilegedCreators = true,
    };

    /// <summary>The version new rooms get when the client names none (the spec's recommendation).</summary>
    public static RoomVersion Default => V12;

    public static IReadOnlyList<RoomVersion> All { get; } = [V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12];

    private static readonly Dictionary<string, RoomVersion> ById = All.ToDictionary(v => v.Id, StringComparer.Ordinal);

    public static RoomVersion? Find(string id) => ById.GetValueOrDefault(id);

    public static bool IsKnown(string id) => ById.ContainsKey(id);
}
