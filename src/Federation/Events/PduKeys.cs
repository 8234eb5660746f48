using Matrix.Crypto;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Events;

/// <summary>Top-level PDU key names the protocol reads or writes.</summary>
public static class PduKeys
{
    public const string EventId = "event_id";
    public const string Type = "type";
    public const string RoomId = "room_id";
    public const string Sender = "sender";
    public const string StateKey = "state_key";
    public const string Content = "content";
    public const string Hashes = "hashes";
    public const string Signatures = "signatures";
    public const string Unsigned = "unsigned";
    public const string Depth = "depth";
    public const string PrevEvents = "prev_events";
    public const string PrevState = "prev_state";
    public const string AuthEvents = "auth_events";
    public const string Origin = "origin";
    public const string OriginServerTs = "origin_server_ts";
    public const string Membership = "membership";
    public const string Redacts = "redacts";
    public const string Sha256 = "sha256";

    /// <summary>The canonical JSON strictness of a room version's events.</summary>
    public static CanonicalJsonMode CanonicalMode(this RoomVersion version) =>
        version.StrictCanonicalJson ? CanonicalJsonMode.Strict : CanonicalJsonMode.Lenient;
}
