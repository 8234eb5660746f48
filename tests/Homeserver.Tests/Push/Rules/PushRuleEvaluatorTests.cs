using System.Text.Json.Nodes;
using Matrix.Homeserver.Push.Rules;
using static Matrix.Homeserver.Tests.Push.Rules.PushTestEvents;

namespace Matrix.Homeserver.Tests.Push.Rules;

/// <summary>The predefined rules for Alice, run on events sent by Bob (power 50) unless said otherwise.</summary>
public sealed class PushRuleEvaluatorTests
{
    private static readonly PushRecipient Recipient = new(Alice, "Alice Liddell");
    private static readonly PushRuleSet Defaults = PushRuleSet.Build(Alice, [], new Dictionary<(PushRuleKind, string), DefaultRuleChange>());

    public static TheoryData<string, PushEvent, string?, bool, bool> Cases() => new()
    {
        { "group message", Message("hello"), ".m.rule.message", true, false },
        { "one-to-one message", Message("hello", members: 2), ".m.rule.room_one_to_one", true, false },
        { "notice", Event("m.room.message", """{"msgtype":"m.notice","body":"bot says"}"""), ".m.rule.suppress_notices", false, false },
        { "user mention", Message("hey", ""","m.mentions":{"user_ids":["@alice:example.org"]}"""), ".m.rule.is_user_mention", true, true },
        { "mention of someone else", Message("hey", ""","m.mentions":{"user_ids":["@carol:example.org"]}"""), ".m.rule.message", true, false },
        { "display name in body", Message("Alice Liddell, look"), ".m.rule.contains_display_name", true, true },
        { "display name with m.mentions", Message("Alice Liddell, look", ""","m.mentions":{}"""), ".m.rule.message", true, false },
        { "localpart in body", Message("ping alice"), ".m.rule.contains_user_name", true, true },
        { "localpart with m.mentions", Message("ping alice", ""","m.mentions":{}"""), ".m.rule.message", true, false },
        { "@room by power 50", Message("@room lunch"), ".m.rule.roomnotif", true, true },
        { "@room by power 0", Message("@room lunch", sender: "@carol:example.org"), ".m.rule.message", true, false },
        { "room mention", Message("all", ""","m.mentions":{"room":true}"""), ".m.rule.is_room_mention", true, true },
        { "room mention by power 0", Message("all", ""","m.mentions":{"room":true}""", sender: "@carol:example.org"), ".m.rule.message", true, false },
        { "encrypted in a group", Event("m.room.encrypted", """{"algorithm":"m.megolm.v1.aes-sha2","ciphertext":"x"}"""), ".m.rule.encrypted", true, false },
        { "encrypted one-to-one", Event("m.room.encrypted", """{"algorithm":"m.megolm.v1.aes-sha2","ciphertext":"x"}""", members: 2), ".m.rule.encrypted_room_one_to_one", true, false },
        { "invite for me", Event("m.room.member", """{"membership":"invite"}""", stateKey: Alice), ".m.rule.invite_for_me", true, false },
        { "invite for another", Event("m.room.member", """{"membership":"invite"}""", stateKey: "@carol:example.org"), ".m.rule.member_event", false, false },
        { "join", Event("m.room.member", """{"membership":"join"}""", stateKey: Bob), ".m.rule.member_event", false, false },
        { "reaction", Event("m.reaction", """{"m.relates_to":{"rel_type":"m.annotation","event_id":"$e","key":"👍"}}"""), ".m.rule.reaction", false, false },
        { "edit", Message("* fixed", ""","m.relates_to":{"rel_type":"m.replace","event_id":"$e"}"""), ".m.rule.suppress_edits", false, false },
        { "edit that mentions", Message("* fixed", ""","m.relates_to":{"rel_type":"m.replace","event_id":"$e"},"m.mentions":{"user_ids":["@alice:example.org"]}"""), ".m.rule.is_user_mention", true, true },
        { "tombstone", Event("m.room.tombstone", """{"body":"moved","replacement_room":"!new:x"}""", stateKey: ""), ".m.rule.tombstone", true, true },
        { "server ACL", Event("m.room.server_acl", """{"allow":["*"]}""", stateKey: ""), ".m.rule.room.server_acl", false, false },
        { "call", Event("m.call.invite", """{"call_id":"1","version":"1"}"""), ".m.rule.call", true, false },
        { "topic", Event("m.room.topic", """{"topic":"news"}""", stateKey: ""), null, false, false },
        { "own message", Message("Alice Liddell", sender: Alice), null, false, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Default_rules(string name, PushEvent pushEvent, string? ruleId, bool notify, bool highlight)
    {
        var rule = PushRuleEvaluator.FirstMatch(Defaults, pushEvent, Recipient);
        Assert.True(ruleId == rule?.RuleId, $"{name}: expected {ruleId ?? "no rule"}, got {rule?.RuleId ?? "no rule"}");
        Assert.Equal(notify, rule?.Actions.Notifies ?? false);
        Assert.Equal(highlight, rule?.Actions.Highlights ?? false);
    }

    [Fact]
    public void The_predefined_rules_are_complete_and_in_the_spec_order()
    {
        var json = Defaults.ToJson();
        Assert.Equal(
            [".m.rule.master", ".m.rule.suppress_notices", ".m.rule.invite_for_me", ".m.rule.member_event", ".m.rule.is_user_mention",
             ".m.rule.contains_display_name", ".m.rule.is_room_mention", ".m.rule.roomnotif", ".m.rule.tombstone", ".m.rule.reaction",
             ".m.rule.room.server_acl", ".m.rule.suppress_edits"],
            Ids(json["override"]));
        Assert.Equal([".m.rule.contains_user_name"], Ids(json["content"]));
        Assert.Empty(Ids(json["room"]));
        Assert.Empty(Ids(json["sender"]));
        Assert.Equal([".m.rule.call", ".m.rule.encrypted_room_one_to_one", ".m.rule.room_one_to_one", ".m.rule.message", ".m.rule.encrypted"], Ids(json["underride"]));

        var master = json["override"]![0]!;
        Assert.False(master["enabled"]!.GetValue<bool>());
        Assert.True(master["default"]!.GetValue<bool>());
        Assert.Equal("alice", json["content"]![0]!["pattern"]!.GetValue<string>());
        var invite = json["override"]![2]!["conditions"]!.AsArray();
        Assert.Equal(Alice, invite[2]!["pattern"]!.GetValue<string>());
    }

    [Fact]
    public void The_master_rule_silences_everything_including_the_users_own_rules()
    {
        var rules = PushRuleSet.Build(Alice, [OwnOverride("everything", """[]""", """["notify"]""")],
            new Dictionary<(PushRuleKind, string), DefaultRuleChange> { [(PushRuleKind.Override, ".m.rule.master")] = new(true, null) });
        var rule = PushRuleEvaluator.FirstMatch(rules, Message("Alice Liddell"), Recipient);
        Assert.Equal(".m.rule.master", rule?.RuleId);
        Assert.False(rule!.Actions.Notifies);
    }

    [Fact]
    public void Own_rules_come_before_the_defaults_of_their_kind_and_in_their_order()
    {
        var rules = PushRuleSet.Build(Alice,
        [
            new PushRule(PushRuleKind.Room, RoomId, false, true, null, null, JsonNode.Parse("""["notify",{"set_tweak":"sound","value":"bell"}]""")!.AsArray()),
            new PushRule(PushRuleKind.Sender, Bob, false, true, null, null, []),
            OwnOverride("first", """[{"kind":"event_match","key":"content.body","pattern":"cake"}]""", """["notify",{"set_tweak":"highlight"}]"""),
            OwnOverride("second", """[{"kind":"event_match","key":"content.body","pattern":"cake*"}]""", "[]"),
            new PushRule(PushRuleKind.Content, "tea", false, true, null, "tea", JsonNode.Parse("""["notify",{"set_tweak":"highlight","value":false}]""")!.AsArray()),
            new PushRule(PushRuleKind.Content, "off", false, false, null, "hello", JsonNode.Parse("""["notify",{"set_tweak":"highlight"}]""")!.AsArray()),
        ], new Dictionary<(PushRuleKind, string), DefaultRuleChange>());

        Assert.Equal("first", PushRuleEvaluator.FirstMatch(rules, Message("cake"), Recipient)?.RuleId);
        Assert.Equal("second", PushRuleEvaluator.FirstMatch(rules, Message("cakes"), Recipient)?.RuleId);
        // Own override rules outrank the server's override rules, here .m.rule.suppress_notices.
        Assert.Equal("first", PushRuleEvaluator.FirstMatch(rules, Event("m.room.message", """{"msgtype":"m.notice","body":"cake"}"""), Recipient)?.RuleId);
        Assert.Equal("tea", PushRuleEvaluator.FirstMatch(rules, Message("tea time, Alice Liddell?", ""","m.mentions":{}"""), Recipient)?.RuleId);
        // A disabled rule never matches; the room rule is next.
        var room = PushRuleEvaluator.FirstMatch(rules, Message("hello"), Recipient);
        Assert.Equal(RoomId, room?.RuleId);
        Assert.Equal("bell", room!.Actions.Tweaks["sound"]!.GetValue<string>());
    }

    [Fact]
    public void Changed_default_actions_and_enabled_flags_apply()
    {
        var rules = PushRuleSet.Build(Alice, [], new Dictionary<(PushRuleKind, string), DefaultRuleChange>
        {
            [(PushRuleKind.Underride, ".m.rule.message")] = new(null, JsonNode.Parse("""["dont_notify"]""")!.AsArray()),
            [(PushRuleKind.Override, ".m.rule.suppress_notices")] = new(false, null),
        });
        var message = PushRuleEvaluator.FirstMatch(rules, Message("hi"), Recipient);
        Assert.Equal(".m.rule.message", message?.RuleId);
        Assert.False(message!.Actions.Notifies);
        Assert.Equal(".m.rule.message", PushRuleEvaluator.FirstMatch(rules, Event("m.room.message", """{"msgtype":"m.notice","body":"x"}"""), Recipient)?.RuleId);
        Assert.False(rules.Find(PushRuleKind.Override, ".m.rule.suppress_notices")!.Enabled);
    }

    /// <summary>
    /// One event is evaluated for every member, and the default rules that read nothing of the recipient are evaluated
    /// once for all of them: each member must still get their own outcome, whoever comes first.
    /// </summary>
    [Fact]
    public void One_event_gives_each_recipient_their_own_outcome_in_any_order()
    {
        var carol = new PushRecipient("@carol:example.org", "Carol");
        var dave = new PushRecipient("@dave:example.org", "Dave");
        var muted = PushRuleSet.Build(dave.UserId, [], new Dictionary<(PushRuleKind, string), DefaultRuleChange>
        {
            [(PushRuleKind.Underride, ".m.rule.message")] = new(false, null),
        });
        var sets = new Dictionary<string, PushRuleSet>
        {
            [Alice] = Defaults,
            [carol.UserId] = PushRuleSet.Build(carol.UserId, [], new Dictionary<(PushRuleKind, string), DefaultRuleChange>()),
            [dave.UserId] = muted,
        };
        PushRecipient[] recipients = [Recipient, carol, dave];
        var expected = new Dictionary<string, string?>
        {
            [Alice] = ".m.rule.is_user_mention",
            [carol.UserId] = ".m.rule.message",
            [dave.UserId] = null,
        };
        foreach (var order in new[] { recipients, [.. recipients.Reverse()] })
        {
            var pushEvent = Message("hey", ""","m.mentions":{"user_ids":["@alice:example.org"]}""");
            foreach (var recipient in order)
            {
                Assert.Equal(expected[recipient.UserId], PushRuleEvaluator.FirstMatch(sets[recipient.UserId], pushEvent, recipient)?.RuleId);
            }
        }
    }

    private static PushRule OwnOverride(string id, string conditions, string actions) =>
        new(PushRuleKind.Override, id, false, true, JsonNode.Parse(conditions)!.AsArray(), null, JsonNode.Parse(actions)!.AsArray());

    private static List<string> Ids(JsonNode? rules) => [.. rules!.AsArray().Select(r => r!["rule_id"]!.GetValue<string>())];
}
