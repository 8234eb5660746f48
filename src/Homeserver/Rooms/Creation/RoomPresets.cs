using System.Text.Json.Nodes;
using Matrix.Federation.Auth;

namespace Matrix.Homeserver.Rooms.Creation;

/// <summary>A createRoom preset: the state it sets and how it changes the default power levels (Synapse's table).</summary>
public sealed record RoomPreset(string Name, string JoinRule, bool GuestCanJoin, bool InviteesAreAdmins, bool IsPrivate)
{
    public string HistoryVisibility => "shared";

    /// <summary>
    /// Adjusts the default power levels, before the client's override: in private rooms anyone may
    /// invite; in public rooms call invites (ringing everyone) need moderator power.
    /// </summary>
    public void ApplyTo(JsonObject powerLevels)
    {
        if (IsPrivate) powerLevels["invite"] = 0;
        else powerLevels["events"]!.AsObject()["m.call.invite"] = 50;
    }
}

public static class RoomPresets
{
    public static readonly RoomPreset PrivateChat = new("private_chat", JoinRules.Invite, GuestCanJoin: true, InviteesAreAdmins: false, IsPrivate: true);
    public static readonly RoomPreset TrustedPrivateChat = new("trusted_private_chat", JoinRules.Invite, GuestCanJoin: true, InviteesAreAdmins: true, IsPrivate: true);
    public static readonly RoomPreset PublicChat = new("public_chat", JoinRules.Public, GuestCanJoin: false, InviteesAreAdmins: false, IsPrivate: false);

    public static RoomPreset? Find(string name) => name switch
    {
        "private_chat" => PrivateChat,
        "trusted_private_chat" => TrustedPrivateChat,
        "public_chat" => PublicChat,
        _ => null,
    };
}
