using System.Text.Json.Nodes;
using Matrix.Homeserver.Push.Rules;
using static Matrix.Homeserver.Tests.Push.Rules.PushTestEvents;

namespace Matrix.Homeserver.Tests.Push.Rules;

public sealed class PushConditionTests
{
    private static readonly PushRecipient AliceRecipient = new(Alice, "Alice Liddell");

    private static bool Holds(string condition, PushEvent pushEvent, PushRecipient? recipient = null) =>
        PushCondition.Compile(JsonNode.Parse(condition)).Matches(pushEvent, recipient ?? AliceRecipient);

    [Theory]
    [InlineData("""{"kind":"event_match","key":"type","pattern":"m.room.message"}""", true)]
    [InlineData("""{"kind":"event_match","key":"type","pattern":"m.room.*"}""", true)]
    [InlineData("""{"kind":"event_match","key":"type","pattern":"m.room"}""", false)]
    [InlineData("""{"kind":"event_match","key":"content.msgtype","pattern":"M.TEXT"}""", true)]
    [InlineData("""{"kind":"event_match","key":"content.body","pattern":"lunch"}""", true)]
    [InlineData("""{"kind":"event_match","key":"content.body","pattern":"lun"}""", false)]
    [InlineData("""{"kind":"event_match","key":"content.missing","pattern":"*"}""", false)]
    [InlineData("""{"kind":"event_match","key":"content.count","pattern":"*"}""", false)]
    [InlineData("""{"kind":"event_match","key":"content.m\\.relates_to.rel_type","pattern":"m.thread"}""", true)]
    [InlineData("""{"kind":"event_match","key":"state_key","pattern":""}""", false)]
    [InlineData("""{"kind":"event_match","key":"type"}""", false)]
    [InlineData("""{"kind":"event_match","pattern":"x"}""", false)]
    public void Event_match(string condition, bool expected) =>
        Assert.Equal(expected, Holds(condition, Message("Lunch, anyone?", ""","count":3,"m.relates_to":{"rel_type":"m.thread","event_id":"$root"}""")));

    [Theory]
    [InlineData("""{"kind":"event_property_is","key":"content.m\\.federate","value":true}""", true)]
    [InlineData("""{"kind":"event_property_is","key":"content.m\\.federate","value":"true"}""", false)]
    [InlineData("""{"kind":"event_property_is","key":"content.m\\.federate","value":1}""", false)]
    [InlineData("""{"kind":"event_property_is","key":"content.room_version","value":"10"}""", true)]
    [InlineData("""{"kind":"event_property_is","key":"content.level","value":7}""", true)]
    [InlineData("""{"kind":"event_property_is","key":"content.level","value":7.5}""", false)]
    [InlineData("""{"kind":"event_property_is","key":"content.nothing","value":null}""", true)]
    [InlineData("""{"kind":"event_property_is","key":"content.missing","value":null}""", false)]
    [InlineData("""{"kind":"event_property_is","key":"content.predecessor","value":null}""", false)]
    [InlineData("""{"kind":"event_property_is","key":"content.level"}""", false)]
    public void Event_property_is(string condition, bool expected) =>
        Assert.Equal(expected, Holds(condition, Event("m.room.create",
            """{"m.federate":true,"room_version":"10","level":7,"nothing":null,"predecessor":{"room_id":"!old:x"}}""", stateKey: "")));

    [Theory]
    [InlineData("""{"kind":"event_property_contains","key":"content.alt_aliases","value":"#myroom:example.com"}""", true)]
    [InlineData("""{"kind":"event_property_contains","key":"content.alt_aliases","value":":example.com"}""", false)]
    [InlineData("""{"kind":"event_property_contains","key":"content.alt_aliases","value":5}""", true)]
    [InlineData("""{"kind":"event_property_contains","key":"content.alt_aliases","value":null}""", true)]
    [InlineData("""{"kind":"event_property_contains","key":"content.alias","value":"#somewhere:localhost"}""", false)]
    [InlineData("""{"kind":"event_property_contains","key":"content.missing","value":"x"}""", false)]
    public void Event_property_contains(string condition, bool expected) =>
        Assert.Equal(expected, Holds(condition, Event("m.room.canonical_alias",
            """{"alias":"#somewhere:localhost","alt_aliases":["#somewhere:example.org","#myroom:example.com",5,null,{"x":1}]}""", stateKey: "")));

    [Theory]
    [InlineData("Hello Alice Liddell!", "Alice Liddell", true)]
    [InlineData("hello alice liddell", "Alice Liddell", true)]
    [InlineData("Hello Alice Liddells", "Alice Liddell", false)]
    [InlineData("Hello Alice", "Alice Liddell", false)]
    [InlineData("Hello", "", false)]
    [InlineData("Hello", null, false)]
    public void Contains_display_name(string body, string? displayName, bool expected) =>
        Assert.Equal(expected, Holds("""{"kind":"contains_display_name"}""", Message(body), new PushRecipient(Alice, displayName)));

    [Theory]
    [InlineData("2", 2, true)]
    [InlineData("==2", 2, true)]
    [InlineData("2", 3, false)]
    [InlineData("<10", 9, true)]
    [InlineData("<10", 10, false)]
    [InlineData(">1", 2, true)]
    [InlineData(">1", 1, false)]
    [InlineData("<=10", 10, true)]
    [InlineData("<=10", 11, false)]
    [InlineData(">=3", 3, true)]
    [InlineData(">=3", 2, false)]
    [InlineData("=2", 2, false)]
    [InlineData("two", 2, false)]
    [InlineData("", 2, false)]
    [InlineData("2x", 2, false)]
    public void Room_member_count(string comparison, long members, bool expected) =>
        Assert.Equal(expected, Holds($$"""{"kind":"room_member_count","is":"{{comparison}}"}""", Message("hi", members: members)));

    [Theory]
    [InlineData(Bob, null, true)]
    [InlineData(Alice, null, false)]
    [InlineData(Alice, 0L, true)]
    [InlineData(Bob, 51L, false)]
    public void Sender_notification_permission(string sender, long? roomLevel, bool expected) =>
        Assert.Equal(expected, Holds("""{"kind":"sender_notification_permission","key":"room"}""",
            Message("@room", sender: sender, levels: Levels(roomLevel)), new PushRecipient("@carol:example.org", null)));

    [Theory]
    [InlineData("""{"kind":"org.example.unknown","key":"type","pattern":"*"}""")]
    [InlineData("""{"key":"type","pattern":"*"}""")]
    [InlineData("""{"kind":5}""")]
    [InlineData("\"event_match\"")]
    public void Unknown_or_malformed_conditions_never_match(string condition) =>
        Assert.False(Holds(condition, Message("anything")));
}
