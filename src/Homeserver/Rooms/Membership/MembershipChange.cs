using System.Text.Json.Nodes;
using Matrix.Federation.Events;

namespace Matrix.Homeserver.Rooms.Membership;

/// <summary>What a membership endpoint asks for; kick and unban are leaves of another user.</summary>
public enum MembershipAction
{
    Join,
    Invite,
    Leave,
    Kick,
    Ban,
    Unban,
    Knock,
}

/// <summary>One membership change of <paramref name="Target"/> in a room, requested by <paramref name="Sender"/>.</summary>
public sealed record MembershipChange(string RoomId, string Sender, string Target, MembershipAction Action)
{
    public string? Reason { get; init; }

    /// <summary>Content the client gave (PUT state m.room.member, is_direct on invites); the server adds the rest.</summary>
    public JsonObject? Content { get; init; }

    /// <summary>Whether the target's global profile fills in a missing displayname/avatar_url.</summary>
    public bool AddProfile { get; init; } = true;

    public bool SenderIsGuest { get; init; }

    /// <summary>Servers to go through when this server is not in the room (join/knock via).</summary>
    public IReadOnlyList<string> Servers { get; init; } = [];

    /// <summary>The membership value the event carries.</summary>
    public string Membership => Action switch
    {
        MembershipAction.Join => Memberships.Join,
        MembershipAction.Invite => Memberships.Invite,
        MembershipAction.Ban => Memberships.Ban,
        MembershipAction.Knock => Memberships.Knock,
        _ => Memberships.Leave,
    };
}
