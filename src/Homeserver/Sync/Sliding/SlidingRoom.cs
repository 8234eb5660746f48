using Matrix.Federation.Events;

namespace Matrix.Homeserver.Sync.Sliding;

/// <summary>
/// One room of the user's sliding sync lists: the user's membership, the room's latest event and
/// latest "bump" event (the sort key) as of the answer's window, and what the list filters read.
/// For a room the user is no longer joined to, events after their membership are not theirs: the
/// positions stop there.
/// </summary>
internal sealed class SlidingRoom
{
    public required string RoomId { get; init; }
    public required string Membership { get; init; }
    public required string MembershipEventId { get; init; }
    public required long MembershipStream { get; init; }

    /// <summary>The room's newest timeline event visible to the user (0 when none is stored, as for a remote invite).</summary>
    public long Latest { get; init; }

    /// <summary>The newest event of a bump type, else the membership (Synapse's fallback).</summary>
    public long BumpStamp { get; init; }

    public string? RoomType { get; set; }
    public bool IsEncrypted { get; set; }
    public bool IsDm { get; set; }

    public bool IsJoined => Membership == Memberships.Join;

    /// <summary>Invites and knocks are shown as stripped state, without timeline.</summary>
    public bool IsStripped => IsStrippedMembership(Membership);

    /// <summary>Where the user's view of the room ends: the window's end while joined, else their membership event.</summary>
    public long Cap(long upTo) => IsJoined ? upTo : Math.Min(upTo, MembershipStream);

    public static bool IsStrippedMembership(string membership) => membership is Memberships.Invite or Memberships.Knock;
}
