using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using static Matrix.Federation.Tests.Auth.TestRoom;

namespace Matrix.Federation.Tests.Auth;

public sealed class AuthEventSelectionTests
{
    private static readonly StateKey Create = new(EventTypes.Create, "");
    private static readonly StateKey PowerLevels = new(EventTypes.PowerLevels, "");
    private static readonly StateKey JoinRulesKey = new(EventTypes.JoinRules, "");

    [Theory]
    [MemberData(nameof(Versions.All), MemberType = typeof(Versions))]
    public void Create_event_has_no_auth_events(string version) =>
        Assert.Empty(AuthEventSelection.Select(RoomVersions.Find(version)!, EventTypes.Create, "", Alice, []));

    [Theory]
    [MemberData(nameof(Versions.All), MemberType = typeof(Versions))]
    public void A_message_needs_create_power_levels_and_the_senders_membership(string version)
    {
        var v = RoomVersions.Find(version)!;
        var keys = AuthEventSelection.Select(v, EventTypes.Message, null, Alice, []);
        StateKey[] expected = v.RoomIdIsCreateEventHash ? [PowerLevels, Member(Alice)] : [Create, PowerLevels, Member(Alice)];
        Assert.Equal(expected, keys);
    }

    [Theory]
    [InlineData(Memberships.Join, true)]
    [InlineData(Memberships.Invite, true)]
    [InlineData(Memberships.Knock, true)]
    [InlineData(Memberships.Leave, false)]
    [InlineData(Memberships.Ban, false)]
    public void Membership_events_add_the_target_and_join_rules_for_entering(string membership, bool needsJoinRules)
    {
        var keys = AuthEventSelection.Select(RoomVersions.V11, EventTypes.Member, Bob, Alice, Content($"{{\"membership\": \"{membership}\"}}"));
        Assert.Contains(Member(Bob), keys);
        Assert.Equal(needsJoinRules, keys.Contains(JoinRulesKey));
    }

    [Fact]
    public void A_self_join_lists_the_member_once()
    {
        var keys = AuthEventSelection.Select(RoomVersions.V11, EventTypes.Member, Alice, Alice, Content("""{"membership": "join"}"""));
        Assert.Equal([Create, PowerLevels, Member(Alice), JoinRulesKey], keys);
    }

    [Fact]
    public void A_third_party_invite_adds_the_token_event()
    {
        var content = Content("""{"membership": "invite", "third_party_invite": {"signed": {"mxid": "@bob:example.com", "token": "abc"}}}""");
        Assert.Contains(new StateKey(EventTypes.ThirdPartyInvite, "abc"), AuthEventSelection.Select(RoomVersions.V11, EventTypes.Member, Bob, Alice, content));
    }

    [Theory]
    [MemberData(nameof(Versions.All), MemberType = typeof(Versions))]
    public void A_restricted_join_adds_the_authorising_member_where_restricted_rooms_exist(string version)
    {
        var v = RoomVersions.Find(version)!;
        var content = Content($$"""{"membership": "join", "join_authorised_via_users_server": "{{Carol}}"}""");
        Assert.Equal(v.RestrictedJoinRule, AuthEventSelection.Select(v, EventTypes.Member, Bob, Bob, content).Contains(Member(Carol)));
    }

    [Fact]
    public void V12_events_imply_the_create_event_from_the_room_id()
    {
        var room = TestRoom.Standard(RoomVersions.V12);
        var message = room.Message(Carol);
        Assert.Equal([.. message.AuthEvents, "$create-12:example.com"], AuthEventReferences.Of(message));
        Assert.Equal("!create-12:example.com", room.RoomId);
    }

    private static StateKey Member(string user) => new(EventTypes.Member, user);

    private static JsonObject Content(string json) => JsonNode.Parse(json)!.AsObject();
}
