using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Matrix.Federation.Auth;
using Matrix.Homeserver.Push.Rules;

namespace Matrix.Benchmarks;

/// <summary>
/// Push rule evaluation, run for every local member on every event: a group message that mentions
/// nobody walks every override rule, the content rules and the underride rules before .m.rule.message.
/// </summary>
[MemoryDiagnoser]
public class PushRuleBenchmarks
{
    private const int Members = 1000;
    private PushRuleSet[] _rules = null!;
    private PushRecipient[] _recipients = null!;
    private JsonObject _message = null!;
    private PushRuleSet[] _defaultRules = null!;
    private JsonObject _shortMessage = null!;

    [GlobalSetup]
    public void Setup()
    {
        var own = (string id) => new PushRule(PushRuleKind.Content, id, false, true, null, id, [PushActions.Notify]);
        _recipients = [.. Enumerable.Range(0, Members).Select(i => new PushRecipient($"@user{i}:bench.example", $"User Number {i}"))];
        _rules = [.. _recipients.Select(r => PushRuleSet.Build(r.UserId, [own("cake"), own("deploy*")], new Dictionary<(PushRuleKind, string), DefaultRuleChange>()))];
        var body = "Lunch is at noon today, meet in the lobby; the café on the corner has a new menu (soup, salads, and the usual sandwiches). "
            + "Bring your badge, the side door is locked after one o'clock. Ping me if you want me to order for you — Ünïcödé welcome.";
        _message = new JsonObject
        {
            ["type"] = "m.room.message",
            ["sender"] = "@sender:bench.example",
            ["room_id"] = "!room:bench.example",
            ["content"] = new JsonObject
            {
                ["msgtype"] = "m.text",
                ["body"] = body,
                ["format"] = "org.matrix.custom.html",
                ["formatted_body"] = $"<p>{body}</p>",
            },
        };
        _defaultRules = [.. _recipients.Select(r => PushRuleSet.Build(r.UserId, [], new Dictionary<(PushRuleKind, string), DefaultRuleChange>()))];
        _shortMessage = new JsonObject
        {
            ["type"] = "m.room.message",
            ["sender"] = "@sender:bench.example",
            ["room_id"] = "!room:bench.example",
            ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = "see you at the standup" },
        };
        Console.WriteLine($"// message size: {_message.ToJsonString().Length} characters");
    }

    [Benchmark(Description = "Evaluate one recipient's rules on a group message")]
    public PushRule? OneRecipient() => PushRuleEvaluator.FirstMatch(_rules[0], NewEvent(_message), _recipients[0]);

    [Benchmark(Description = "Evaluate 1000 recipients' rules on a group message")]
    public int ThousandRecipients() => Notified(_rules, NewEvent(_message));

    /// <summary>The load tool's case: a short message, every member on the server's default rules.</summary>
    [Benchmark(Description = "Evaluate 1000 recipients' default rules on a short message")]
    public int ThousandRecipientsShortMessage() => Notified(_defaultRules, NewEvent(_shortMessage));

    [Benchmark(Description = "Build a user's rule set (cache miss)")]
    public PushRuleSet BuildRuleSet() => PushRuleSet.Build("@someone:bench.example", [], new Dictionary<(PushRuleKind, string), DefaultRuleChange>());

    /// <summary>One event wrapped once and evaluated for every member, as the server does for each event of a room.</summary>
    private int Notified(PushRuleSet[] rules, PushEvent pushEvent)
    {
        var notified = 0;
        for (var i = 0; i < Members; i++)
        {
            if (PushRuleEvaluator.FirstMatch(rules[i], pushEvent, _recipients[i])?.Actions.Notifies == true) notified++;
        }

        return notified;
    }

    private static PushEvent NewEvent(JsonObject message) => new(message, roomMemberCount: Members, PowerLevels.From(null, null));
}
